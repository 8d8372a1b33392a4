#include "shim_gpio.h"

#include <errno.h>
#include <poll.h>

int shim_gpio_request_input(struct gpiod_line *line, const char *consumer,
                            bool active_low, bool pull_up) {
  int flags = pull_up ? GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP
                      : GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
  if (active_low) flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
  if (gpiod_line_request_both_edges_events_flags(line, consumer, flags) != 0)
    return errno;
  return 0;
}

int shim_gpio_request_output(struct gpiod_line *line, const char *consumer,
                             bool active_low, int value) {
  int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
  if (gpiod_line_request_output_flags(line, consumer, flags, value) != 0)
    return errno;
  return 0;
}

int shim_gpio_read_edges(struct gpiod_line *line, int64_t *times,
                         bool *to_active, int capacity) {
  int fd = gpiod_line_event_get_fd(line);
  if (fd < 0) return -errno;
  struct pollfd ready = {.fd = fd, .events = POLLIN};
  if (poll(&ready, 1, 0) <= 0) return 0;

  struct gpiod_line_event events[16];
  if (capacity > 16) capacity = 16;
  int count = gpiod_line_event_read_multiple(line, events,
                                             (unsigned)capacity);
  if (count < 0) return errno == EAGAIN ? 0 : -errno;
  for (int index = 0; index < count; index++) {
    times[index] = (int64_t)events[index].ts.tv_sec * 1000000000
        + events[index].ts.tv_nsec;
    to_active[index] =
        events[index].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
  }
  return count;
}
