#!/usr/bin/env bash
# Run the whole test suite. Installs what the tests need when it is missing.
# Usage: ./test.sh                 (all tests, the editor support's included)
#        ./test.sh -p jfc-vm       (extra arguments go to `cargo test`)
#        ./test.sh --install-only  (the packages only: the build needs libssl-dev too)
set -euo pipefail
cd "$(dirname "$0")"

need() { command -v "$1" >/dev/null 2>&1; }

install_packages() {
    # Debian packages the suite uses; installed only when missing (CI runs as root).
    local missing=()
    need bash || missing+=(bash)
    # Local commands with __sudo__/__user__ run through sudo (tests/commands.rs).
    need sudo || missing+=(sudo)
    # A second OS process that holds the store's write lock (tests/store_lock.rs).
    need python3 || missing+=(python3)
    # Commands over SSH against a real sshd on loopback ports (tests/ssh/), and the
    # OpenSSL the ssh2 crate links.
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    need ssh-keygen || missing+=(openssh-client)
    dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
    need pkg-config || missing+=(pkg-config)
    # The certificate of the daemon's HTTPS test (tests/serve.rs).
    need openssl || missing+=(openssl)
    # Schedule firing times checked against dateutil.rrule (tests/schedule.rs).
    python3 -c 'import dateutil' 2>/dev/null || missing+=(python3-dateutil)
    # A real SMTP server that the tests of mailto and of the mail of /lib flows send to
    # (tests/net.rs, tests/ssh/stdlib_mail.rs); Debian's package, in the system python3.
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
    # A real editor as the client of `jfc lsp` (tests/lsp/neovim.rs).
    need nvim || missing+=(neovim)
    # The daemon's web page in a real headless browser over WebDriver (tests/daemon/web.rs).
    need chromium || missing+=(chromium)
    need chromedriver || missing+=(chromium-driver)
    # Real nft, iptables and iptables-save/-restore in the network namespaces that the
    # end-to-end tests of the acl flows make (tests/acl.rs); `ip` (iproute2, below)
    # makes them.
    need nft || missing+=(nftables)
    need iptables || missing+=(iptables)
    # genhtml reads the lcov file of `jfc test --lcov` (tests/jftest.rs).
    need genhtml || missing+=(lcov)
    # A real AMQP broker for `jfc agent` (tests/agents/), started by the tests on
    # loopback ports of their own; the package's own service is kept from starting.
    [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
    # Network namespaces (tests/acl.rs, tests/agents/segment.rs), the second bridged to
    # the broker by a Unix socket (socat).
    need ip || missing+=(iproute2)
    need socat || missing+=(socat)
    # How jfc starts commands, traced (tests/commands.rs: commands_start_without_a_copy_of_jfc).
    need strace || missing+=(strace)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && need apt-get; then
            local policy=/usr/sbin/policy-rc.d made_policy=
            if [ ! -e "$policy" ]; then
                printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
            fi
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
            [ -z "$made_policy" ] || rm -f "$policy"
        else
            echo "test.sh: please install: ${missing[*]}" >&2
            exit 1
        fi
    fi
}

if [ "${1:-}" = "--install-only" ]; then
    install_packages
    exit 0
fi
if ! need cargo; then
    echo "test.sh: cargo is missing; install Rust from your package manager or rustup" >&2
    exit 1
fi
install_packages

jobs=${JFC_TEST_JOBS:-2}
cargo test --workspace -j"$jobs" "$@"
# The whole suite (no arguments) also tests the editor support: the VS Code extension's
# grammar, its package, and a real LSP session with the jfc just built (editors/ci.sh).
if [ $# -eq 0 ]; then
    JFC="${CARGO_TARGET_DIR:-target}/debug/jfc" bash editors/ci.sh
fi
