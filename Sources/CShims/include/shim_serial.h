// The serial port: termios and pseudo-terminals.
#ifndef TEACHPAD_SHIM_SERIAL_H
#define TEACHPAD_SHIM_SERIAL_H

#include <termios.h>

#endif
