#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets whose flow takes work to see still reach the flow's owner: a
# fragmented datagram (its later fragments carry no ports), and an ICMP
# error about a flow (sent by a router, quoting the flow).
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 -- c (client, 192.0.2.200, 2001:db8::200)
#   n3 (eth0) --+
#
# Every node serves 192.0.2.100 and 2001:db8::100 (UDP port 53 and TCP
# port 80) and runs a responder that answers with its node id.

source "$(dirname "$0")/lib.sh"

ktap_plan 8

make_cluster 3
make_client c 192.0.2.200 2001:db8::200
for i in 1 2 3; do
	shoal -n "$(ns "$i")" -b - <<-EOT
	cluster set dev eth0 node $i
	node add 1
	node add 2
	node add 3
	service add 192.0.2.100
	service add 2001:db8::100
	EOT
	in_ns "$i" selftests/responder.py --id "$i" --tcp 80 --udp 53 \
		>"/tmp/flow-responder-$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
done
for i in 1 2 3; do
	wait_for 10000 grep -q ready "/tmp/flow-responder-$i"
done

# rx_packets and dropped_packets of a service on every node, one line
counters() {
	local i
	for i in 1 2 3; do
		shoal -n "$(ns "$i")" -s -j service show "$1" |
			jq -r '.[0].stats | "\(.rx_packets) \(.dropped_packets)"'
	done | paste -sd' '
}

# --- fragments ----------------------------------------------------------
for addr in 192.0.2.100 2001:db8::100; do
	answers=()
	for sport in 40001 40002 40003 40004 40005 40006; do
		answers+=("$(in_ns c selftests/flow-paths.py bigudp "$addr" 53 \
			--sport "$sport")")
	done
	small=()
	for sport in 40001 40002 40003 40004 40005 40006; do
		small+=("$(in_ns c selftests/flow-paths.py bigudp "$addr" 53 \
			--sport "$sport" --size 100)")
	done
	check_eq "$addr: fragmented datagrams are answered" "" \
		"$(printf '%s\n' "${answers[@]}" | grep -v '^node [123]$')"
	check_eq "$addr: ... each by the owner of its flow" \
		"${small[*]}" "${answers[*]}"
done

# --- ICMP errors about a flow ----------------------------------------------
# Connections from several client ports find each flow's owner; an error
# quoting that flow must be kept by that owner and dropped by the others.
for pair in 192.0.2.100,192.0.2.200,41000 2001:db8::100,2001:db8::200,42000; do
	IFS=, read -r addr client base <<<"$pair"
	wrong=
	for cport in $(seq $((base + 1)) $((base + 6))); do
		owner=$(in_ns c python3 -c "
import socket
s = socket.socket(socket.AF_INET6 if ':' in '$addr' else socket.AF_INET)
s.bind(('', $cport)); s.settimeout(3); s.connect(('$addr', 80))
s.sendall(b'hi\n'); print(s.recv(100).decode().split()[1])
s.close()")
		before=$(counters "$addr")
		in_ns c selftests/flow-paths.py icmp-error "$addr" 80 "$client" "$cport"
		wait_for 3000 test "$(counters "$addr")" != "$before"
		after=$(counters "$addr")
		# expected: +1 rx on the owner, +1 dropped on each other node
		want=$(awk -v o="$owner" '{ for (i = 1; i <= 3; i++) {
			printf "%s%d %d", (i > 1 ? " " : ""), $(2*i-1) + (i == o), $(2*i) + (i != o) } }' \
			<<<"$before")
		[ "$after" = "$want" ] || wrong="$wrong port $cport: owner $owner, counters $before -> $after;"
	done
	check_eq "$addr: ICMP errors reach the owner of the flow they quote" "" "$wrong"
done

# the service filter drops what a tcp-only service does not serve, on all
shoal -n "$(ns 1)" service del 192.0.2.100
for i in 1 2 3; do
	shoal -n "$(ns "$i")" service add 192.0.2.110 proto tcp port 80 2>/dev/null
done
check_eq "a TCP port 80 service: nobody answers UDP to the address" "none" \
	"$(in_ns c selftests/flow-paths.py bigudp 192.0.2.110 53 --sport 40100 --size 10)"
check_eq "... but TCP port 80 is answered" "1" "$(in_ns c python3 -c "
import socket
s = socket.create_connection(('192.0.2.110', 80), timeout=3)
s.sendall(b'hi\n'); print(len(s.recv(100).split()) // 2)")"

ktap_finish
