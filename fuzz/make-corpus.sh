#!/bin/bash
# make-corpus.sh: the committed seed corpus, fuzz/corpus/<target>/, from the tests' and
# examples' own inputs plus a few hand-written edge cases. Files are named by the SHA-1
# of their content (as libFuzzer names them), so a seed that appears twice is kept once.
# Only small inputs are kept (libFuzzer's default -max_len is 4096).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=..
MAX=2048

seed() { # seed TARGET FILE...: copy each small file in under its hash
    local target=$1; shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] && [ "$(wc -c < "$f")" -le $MAX ] || continue
        cp "$f" "corpus/$target/$(sha1sum < "$f" | cut -c1-40)"
    done
}

text() { # text TARGET: each line of stdin is one seed (\n in it is a newline)
    local target=$1 tmp
    mkdir -p "corpus/$target"
    tmp=$(mktemp)
    while IFS= read -r line; do
        printf '%b' "$line" > "$tmp"
        cp "$tmp" "corpus/$target/$(sha1sum < "$tmp" | cut -c1-40)"
    done
    rm -f "$tmp"
}

rm -rf corpus

# check: the compiler's syntax and diagnostic cases (every construct, every error) and
# the end-to-end flows: 40 of them, spread evenly over their sizes.
small=$(find $ROOT/compiler/tests/syntax $ROOT/compiler/tests/diagnostics $ROOT/tests/run \
    -name '*.jf' -size -$((MAX + 1))c -printf '%s %p\n' | sort -n | cut -d' ' -f2)
seed check $(echo "$small" | awk -v n="$(echo "$small" | wc -l)" \
    'NR % int(n / 40 + 1) == 1' | head -40)

# toml_import: the object files of the examples and tests, and the cases of the import
# tests (no type, a bad type, a broken value), with one key of each TOML kind.
seed toml_import $ROOT/examples/ops/nodes/*.toml $ROOT/examples/ops/channels/*.toml \
    $ROOT/tests/jftest/project/reports/daily.toml
text toml_import <<'T'
hostname = "x"\n
type = "NoSuchType"\n
type = "NodeInfo"\nport = \n
type = "NodeInfo"\nport = 99999999999999999999\n
type = "NodeInfo"\nport = -1\nhostname = ""\n
type = "NodeInfo"\nport = 22.5\nuse_shell = true\n
type = "NodeInfo"\naccount = "/nodes/acct"\nnodetype = ["a", 1, 2.0]\n
type = "NodeInfo"\nhostname = { a = 1, b = [true] }\n
type = "NodeInfo"\nipaddr = 1979-05-27T07:32:00Z\nport = 1979-05-27\n
type = "NodeInfo"\nshell = 07:32:00\ndisplay_name = "x"\ndescription = """\nlong\n"""\n
type = "AccountInfo"\nuser = "deploy"\npassword = "s3cret"\n
type = "/system/types/NodeInfo"\nhostname = 'web1'\nport = 0x16\n
type = "NodeInfo"\nport = inf\nhostname = nan\n
T

# glob: the patterns of the glob tests and examples, valid and not.
text glob <<'T'
**/*.NodeInfo
**/*.Server[port=80]
*.NodeInfo[port=22
*.NodeInfo[port__near=22]
*.Nope
*.Server[port__gte=1000]
*@root junk
*[port=22]
*(colour=1)
*(name=)
/home/app/**/deploy*.Jobflow@root(display_name__contains="tier")[multiplicity__lt=3]
Server
a//b
new*
web*.Server
web[13][port__lt=8004]
**/*[port__gte=80].NodeInfo
/app
app/web?
db_*
*[port__in=22,80]
**
\x00
é…
*[port=]
*(description__regex=^a.*$)
T

# codec_decode: each stored form of the codec (plain JSON and every tagged kind), and
# damaged ones.
text codec_decode <<'T'
null
true
-9223372036854775808
1.0
-0.0
1e100
"text with \\"quotes\\" and \\u00e9"
[1, "two", [3.5, null]]
{"a": 1, "b": {"c": [true]}}
{"$t":"bigint","v":"123456789012345678901234567890"}
{"$t":"float","v":"nan"}
{"$t":"float","v":"-inf"}
{"$t":"bytes","v":"aGVsbG8="}
{"$t":"bytes","v":"not base64!"}
{"$t":"dict","v":[[1,"one"],["$t","x"]]}
{"$t":"datetime","v":"2026-12-05T01:02:03Z","o":32400}
{"$t":"date","v":"2026-02-30"}
{"$t":"time","v":"23:59:59.5"}
{"$t":"timedelta","s":-86400,"n":999999999}
{"$t":"pattern","k":"r","v":"^web[0-9]+$","i":true}
{"$t":"object","id":5,"path":"/system"}
{"$t":"secret","n":"AAAA","v":"BBBB"}
{"$t":"nope"}
{"$t":1}
[1, 2
{"a":
T
