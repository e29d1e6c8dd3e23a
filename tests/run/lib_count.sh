#!/bin/sh
echo "$# args: $1|$2"
while read -r line || [ -n "$line" ]; do echo "in: $line"; done
exit 4
