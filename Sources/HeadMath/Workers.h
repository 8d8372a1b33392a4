// The training kernels' side of headmath_workers (Workers.cpp).
#ifndef TEACHPAD_HEADMATH_WORKERS_H
#define TEACHPAD_HEADMATH_WORKERS_H

#include "HeadMath.h"

/// Runs run(context, thread) once on every thread of `workers` (thread 0 is
/// the caller; NULL workers: only the caller) and returns when all are done.
void headmath_workers_run(headmath_workers *workers, void (*run)(void *, int32_t),
                          void *context);

/// The same with a callable: body(thread).
template <typename Body>
void run_on_workers(headmath_workers *workers, const Body &body) {
  headmath_workers_run(
      workers,
      [](void *context, int32_t thread) { (*static_cast<const Body *>(context))(thread); },
      const_cast<Body *>(&body));
}

#endif
