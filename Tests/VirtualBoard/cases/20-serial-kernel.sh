# Harness check: the guest's 16550 UART reaches the host peer; every byte
# value comes back unchanged; with the peer not reading, non-blocking
# writes report a full port instead of blocking.
source "$VBOARD_HERE/guest/lib.sh"
set -e
vb_peer_mode echo
"$VBOARD_TOOLS/vbserial" echo /dev/ttyS1 4096
vb_peer_mode stall
"$VBOARD_TOOLS/vbserial" fill /dev/ttyS1 2
vb_peer_mode record
