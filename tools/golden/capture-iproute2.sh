#!/usr/bin/env bash
# Capture iproute2's VF requests (`ip link set dev va vf N ...`) and the kernel's replies as
# golden bytes for vfnl's tests. Writes core/tests/golden/iproute2.rs.
#
# Run as root from anywhere:   sudo bash tools/golden/capture-iproute2.sh
# Needs: ip (iproute2), strace, python3. Creates a throwaway network namespace with a veth
# pair va/vb, runs every case inside it under strace, and deletes the namespace on exit
# (also on error or Ctrl-C).
#
# Env: OUT=path/to/iproute2.rs (default core/tests/golden/iproute2.rs in this repo),
#      KEEP=1 keeps the raw strace logs (their directory is printed).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$ROOT/core/tests/golden/iproute2.rs}
NS=vfnl-golden-ip-$$
WORK=$(mktemp -d /tmp/vfnl-golden-ip.XXXXXX)

cleanup() {
    local rc=$?
    ip netns del "$NS" 2>/dev/null || true
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "raw captures kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) == 0 ]] || { echo "run as root (needs ip netns)" >&2; exit 1; }
for t in ip strace python3; do
    command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done

ip netns add "$NS"
# The peer is created first, so in the fresh namespace: lo 1, vb 2, va 3. Fixed MACs keep
# the bytes reproducible.
ip -n "$NS" link add va address 02:00:00:00:00:0a type veth peer name vb address 02:00:00:00:00:0b

# NAME|vf arguments (everything after `ip link set dev va`)
CASES=(
    "VF_MAC|vf 0 mac 52:54:00:01:01:01"
    "VF_VLAN_42|vf 0 vlan 42"
    "VF_VLAN_42_QOS_3|vf 0 vlan 42 qos 3"
    "VF_VLAN_42_QOS_3_8021Q|vf 0 vlan 42 qos 3 proto 802.1Q"
    "VF_VLAN_42_8021AD|vf 0 vlan 42 proto 802.1ad"
    "VF_VLAN_42_QOS_5_8021AD|vf 0 vlan 42 qos 5 proto 802.1ad"
    "VF_VLAN_0|vf 0 vlan 0"
    # a second "vlan" after an 802.1ad one appends a second IFLA_VF_VLAN_INFO to the list
    "VF_VLAN_LIST_TWO|vf 0 vlan 42 proto 802.1ad vlan 43"
    "VF_RATE_100|vf 0 rate 100"
    "VF_MAX_TX_200_MIN_TX_100|vf 0 max_tx_rate 200 min_tx_rate 100"
    # max_tx_rate alone: iproute2 first dumps all links to read the current min rate; veth has
    # no VF info, so min_tx_rate is left uninitialised (stack contents) -- see README.
    "VF_MAX_TX_200_ONLY|vf 0 max_tx_rate 200"
    "VF_SPOOFCHK_ON|vf 0 spoofchk on"
    "VF_SPOOFCHK_OFF|vf 0 spoofchk off"
    "VF_QUERY_RSS_ON|vf 0 query_rss on"
    "VF_QUERY_RSS_OFF|vf 0 query_rss off"
    "VF_TRUST_ON|vf 0 trust on"
    "VF_TRUST_OFF|vf 0 trust off"
    "VF_STATE_AUTO|vf 0 state auto"
    "VF_STATE_ENABLE|vf 0 state enable"
    "VF_STATE_DISABLE|vf 0 state disable"
    "VF_NODE_GUID|vf 0 node_guid 00:11:22:33:44:55:66:77"
    "VF_PORT_GUID|vf 0 port_guid 00:11:22:33:44:55:66:78"
    "VF_NODE_PORT_GUID|vf 0 node_guid 00:11:22:33:44:55:66:77 port_guid 00:11:22:33:44:55:66:78"
    "VF_MAC_VLAN_SPOOFCHK_TRUST|vf 0 mac 52:54:00:01:01:01 vlan 42 spoofchk on trust on"
    "SINGLE_PORT_MAC_VLAN_42|vf 0 mac 52:54:00:01:01:01 vlan 42"
    "DUAL_PORT_P1_MAC_VLAN_42|vf 0 mac 52:54:00:01:02:03 vlan 42"
    "DUAL_PORT_P2_MAC_VLAN_43|vf 0 mac 52:54:00:01:02:03 vlan 43"
    "TWO_VFS_MAC|vf 0 mac 52:54:00:00:00:01 vf 1 mac 52:54:00:00:00:02"
    "VF7_MAC|vf 7 mac 52:54:00:01:01:07"
)

: >"$WORK/manifest.tsv"
for c in "${CASES[@]}"; do
    name=${c%%|*}
    args=${c#*|}
    # shellcheck disable=SC2086  # args are deliberately word-split
    set +e
    ip netns exec "$NS" strace -f -xx -s 65535 \
        -e trace=sendmsg,sendto,recvmsg,recvfrom -e write=all -e read=all \
        -o "$WORK/$name.strace" ip link set dev va $args 2>"$WORK/$name.stderr"
    rc=$?
    set -e
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$args" "$rc" "$WORK/$name.strace" \
        "$WORK/$name.stderr" >>"$WORK/manifest.tsv"
    printf '%-28s exit %s  %s\n' "$name" "$rc" "$(tr '\n' ' ' <"$WORK/$name.stderr")" >&2
done

mkdir -p "$(dirname "$OUT")"
python3 "$HERE/strace2rust.py" --manifest "$WORK/manifest.tsv" --out "$OUT" \
    --kernel "$(uname -r)" --iproute2 "$(ip -V)" --summary "$WORK/summary.txt"
cat "$WORK/summary.txt"
echo "wrote $OUT" >&2
