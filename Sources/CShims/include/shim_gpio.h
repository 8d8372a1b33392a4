// Buttons and LEDs through libgpiod 1.6.
#ifndef TEACHPAD_SHIM_GPIO_H
#define TEACHPAD_SHIM_GPIO_H

#include <gpiod.h>

#endif
