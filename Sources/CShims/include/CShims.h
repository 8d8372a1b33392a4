// Umbrella header of the C shim layer. Each concern has its own header;
// Swift modules import CShims and call the `shim_` functions for anything
// that is variadic or a macro in C, and the library functions directly
// otherwise.
#ifndef TEACHPAD_CSHIMS_H
#define TEACHPAD_CSHIMS_H

#include "shim_system.h"
#include "shim_threads.h"
#include "shim_media.h"
#include "shim_gpio.h"
#include "shim_serial.h"
#include "shim_image.h"
#include "shim_arguments.h"
#include "shim_notify.h"
#include "shim_signals.h"
#include "shim_memory.h"
#include "shim_pack.h"

#endif
