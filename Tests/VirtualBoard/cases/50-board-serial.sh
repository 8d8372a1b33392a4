# teachpad's serial code on the guest's 16550 UART wired to the host
# peer: every byte value passes both ways through SerialPort; with the
# peer not reading, LinuxSerialLink never stalls the loop (it coalesces),
# and the program still ends promptly.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_probe
set -e
vb_peer_mode echo
"$VB_PROBE" serial-echo /dev/ttyS1 2048
vb_peer_mode stall
started=$(vb_ms)
"$VB_PROBE" serial-stall /dev/ttyS1 4 | tee /tmp/stall
took=$(( $(vb_ms) - started ))
vb_note "the program ran $took ms for a 4 s loop"
vb_peer_mode record
read -r _ offered _ _ dropped _ _ _ _ _ _ _ slowest _ < /tmp/stall
[ "$dropped" -gt 0 ] || vb_fail "nothing was dropped or coalesced while the peer stalled"
# A blocked write would last until the peer reads again (seconds).
[ "$slowest" -le 500 ] || vb_fail "a send+service call took $slowest ms"
[ "$took" -le 9000 ] || vb_known_bug "the program took $took ms to end a 4 s loop: closing a UART with output pending waits for the stalled peer (8250 closing_wait, 30 s); SerialPort should tcflush(TCOFLUSH) before close"
