// Buttons and LEDs through libgpiod 1.6. The request flags are macros, and
// reading events means unpacking timespecs, so those steps live here; the
// plain libgpiod calls (gpiod_chip_open_lookup, gpiod_chip_get_line,
// gpiod_line_get_value, ...) are called from Swift directly.
#ifndef TEACHPAD_SHIM_GPIO_H
#define TEACHPAD_SHIM_GPIO_H

#include <gpiod.h>
#include <stdbool.h>
#include <stdint.h>

/// Requests `line` as an input with both-edge events, pull-up (or
/// pull-down) bias and the active level. Returns 0 or errno (EBUSY when
/// another consumer holds it).
int shim_gpio_request_input(struct gpiod_line *line, const char *consumer,
                            bool active_low, bool pull_up);

/// Requests `line` as an output driving the logical `value`.
int shim_gpio_request_output(struct gpiod_line *line, const char *consumer,
                             bool active_low, int value);

/// Reads up to `capacity` queued edges of an event line without waiting:
/// CLOCK_MONOTONIC times in nanoseconds and whether each edge went to the
/// active level. Returns the count (0 when none is queued) or -errno.
int shim_gpio_read_edges(struct gpiod_line *line, int64_t *times,
                         bool *to_active, int capacity);

#endif
