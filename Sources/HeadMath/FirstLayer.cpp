// The sparse first layer during training, walked in blocks of
// HEADMATH_FEATURE_BLOCK features so the weights (forward) or gradient rows
// (backward) of one block stay in the level-2 cache while every example of
// the batch visits it. Each example's nonzeros are sorted by feature, so a
// cursor per example moves through its row block by block: no sorting or
// transposing per batch.
//
// Unit strips: up to 104 units are held in registers as 13 vectors of 8
// lanes. When the width is not a multiple of 8, the last vector starts 8
// lanes before the strip's end and overlaps the one before it; both compute
// the shared lanes with the same operations, so the stores agree. Wider
// layers are cut into strips of 96 units and a last strip of 9 to 104.
// Fewer than 8 units take the plain loops.
#include "HeadMath.h"

#include <algorithm>
#include <cmath>
#include <pthread.h>

namespace {

typedef float Vector8 __attribute__((vector_size(32)));

inline Vector8 load8(const float *source) {
  Vector8 value;
  __builtin_memcpy(&value, source, sizeof value);
  return value;
}

inline void store8(float *target, Vector8 value) {
  __builtin_memcpy(target, &value, sizeof value);
}

constexpr int32_t block = HEADMATH_FEATURE_BLOCK;
constexpr int32_t widestStrip = 104;

/// hidden[strip] += sum of value * weights[feature][strip] over the entries
/// begin..<end; N vectors, the last at lane `last`.
template <int N>
void forward_strip(const float *weights, int32_t units, int32_t last,
                   const uint16_t *features, const float *values,
                   int32_t begin, int32_t end, float *hidden) {
  Vector8 sums[N];
#pragma clang loop unroll(full)
  for (int i = 0; i < N - 1; i++) sums[i] = load8(hidden + 8 * i);
  sums[N - 1] = load8(hidden + last);
  for (int32_t entry = begin; entry < end; entry++) {
    const float *row = weights + int64_t(features[entry]) * units;
    const Vector8 value = Vector8{} + values[entry];
#pragma clang loop unroll(full)
    for (int i = 0; i < N - 1; i++) sums[i] += value * load8(row + 8 * i);
    sums[N - 1] += value * load8(row + last);
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < N - 1; i++) store8(hidden + 8 * i, sums[i]);
  store8(hidden + last, sums[N - 1]);
}

/// gradient[feature - first][strip] += value * delta[strip] over the
/// entries begin..<end.
template <int N>
void gradient_strip(float *gradient, int32_t units, int32_t last,
                    int32_t first, const uint16_t *features,
                    const float *values, int32_t begin, int32_t end,
                    const float *delta) {
  Vector8 deltas[N];
#pragma clang loop unroll(full)
  for (int i = 0; i < N - 1; i++) deltas[i] = load8(delta + 8 * i);
  deltas[N - 1] = load8(delta + last);
  for (int32_t entry = begin; entry < end; entry++) {
    float *row = gradient + int64_t(features[entry] - first) * units;
    const Vector8 value = Vector8{} + values[entry];
    Vector8 sums[N];
#pragma clang loop unroll(full)
    for (int i = 0; i < N - 1; i++) sums[i] = load8(row + 8 * i);
    sums[N - 1] = load8(row + last);
#pragma clang loop unroll(full)
    for (int i = 0; i < N; i++) sums[i] += value * deltas[i];
#pragma clang loop unroll(full)
    for (int i = 0; i < N - 1; i++) store8(row + 8 * i, sums[i]);
    store8(row + last, sums[N - 1]);
  }
}

typedef void (*ForwardStrip)(const float *, int32_t, int32_t, const uint16_t *,
                             const float *, int32_t, int32_t, float *);
typedef void (*GradientStrip)(float *, int32_t, int32_t, int32_t, const uint16_t *,
                              const float *, int32_t, int32_t, const float *);

const ForwardStrip forwardStrips[] = {
    forward_strip<1>, forward_strip<2>,  forward_strip<3>,  forward_strip<4>,
    forward_strip<5>, forward_strip<6>,  forward_strip<7>,  forward_strip<8>,
    forward_strip<9>, forward_strip<10>, forward_strip<11>, forward_strip<12>,
    forward_strip<13>};
const GradientStrip gradientStrips[] = {
    gradient_strip<1>,  gradient_strip<2>,  gradient_strip<3>,  gradient_strip<4>,
    gradient_strip<5>,  gradient_strip<6>,  gradient_strip<7>,  gradient_strip<8>,
    gradient_strip<9>,  gradient_strip<10>, gradient_strip<11>, gradient_strip<12>,
    gradient_strip<13>};

/// The width of the strip starting at `start` (see the file comment).
inline int32_t strip_width(int32_t units, int32_t start) {
  return units - start > widestStrip ? 96 : units - start;
}

/// Runs body(part) for part in 0..<parts: part 0 here, the others on
/// threads started for this call; a part whose thread cannot start runs
/// here, so results never depend on how many threads ran.
template <typename Body>
void run_parts(int32_t parts, const Body &body) {
  struct Task {
    const Body *body;
    int32_t part;
    static void *run(void *argument) {
      const Task *task = static_cast<const Task *>(argument);
      (*task->body)(task->part);
      return nullptr;
    }
  };
  Task tasks[16];
  pthread_t threads[16];
  bool started[16] = {};
  for (int32_t part = 1; part < parts; part++) {
    tasks[part] = Task{&body, part};
    started[part] = pthread_create(&threads[part], nullptr, Task::run, &tasks[part]) == 0;
  }
  body(0);
  for (int32_t part = 1; part < parts; part++) {
    if (started[part]) {
      pthread_join(threads[part], nullptr);
    } else {
      body(part);
    }
  }
}

inline int32_t share(int32_t count, int32_t parts, int32_t part) {
  return int32_t(int64_t(count) * part / parts);
}

/// Moves `cursor` past the entries of `example` below feature `limit`;
/// returns the new cursor.
inline int32_t block_end(const headmath_batch *batch, int32_t example, int32_t cursor,
                         int32_t limit) {
  const int32_t row_end = batch->offsets[example + 1];
  while (cursor < row_end && batch->features[cursor] < limit) cursor++;
  return cursor;
}

inline void add_scaled(float *__restrict target, const float *__restrict source,
                       float scale, int32_t count) {
  for (int32_t index = 0; index < count; index++) target[index] += scale * source[index];
}

}  // namespace

extern "C" void headmath_hidden_forward_blocks(
    const headmath_batch *batch, int32_t feature_count, const float *first_weights,
    const float *first_bias, int32_t units, float *hidden, int32_t *cursors,
    int32_t thread_count) {
  const int32_t count = batch->selection_count;
  const int32_t parts = std::max(1, std::min({thread_count, count, 16}));

  run_parts(parts, [=](int32_t part) {
    const int32_t first_row = share(count, parts, part);
    const int32_t end_row = share(count, parts, part + 1);
    for (int32_t row = first_row; row < end_row; row++) {
      float *output = hidden + int64_t(row) * units;
      for (int32_t unit = 0; unit < units; unit++) output[unit] = first_bias[unit];
      cursors[row] = batch->offsets[batch->selection[row]];
    }

    for (int32_t first = 0; first < feature_count; first += block) {
      for (int32_t row = first_row; row < end_row; row++) {
        const int32_t example = batch->selection[row];
        const int32_t begin = cursors[row];
        const int32_t end = block_end(batch, example, begin, first + block);
        cursors[row] = end;
        float *output = hidden + int64_t(row) * units;
        if (units < 8) {
          for (int32_t entry = begin; entry < end; entry++) {
            add_scaled(output, first_weights + int64_t(batch->features[entry]) * units,
                       batch->values[entry], units);
          }
          continue;
        }
        for (int32_t start = 0, width = 0; start < units; start += width) {
          width = strip_width(units, start);
          forwardStrips[(width + 7) / 8 - 1](first_weights + start, units, width - 8,
                                             batch->features, batch->values, begin,
                                             end, output + start);
        }
      }
    }

    for (int64_t index = int64_t(first_row) * units; index < int64_t(end_row) * units;
         index++) {
      if (hidden[index] < 0) hidden[index] = 0;
    }
  });
}

namespace {

/// sqrt(1 - beta2^step) / (1 - beta1^step), Adam's bias correction.
double adam_correction(float beta1, float beta2, int64_t step) {
  return std::sqrt(1.0 - std::pow(double(beta2), double(step))) /
         (1.0 - std::pow(double(beta1), double(step)));
}

}  // namespace

extern "C" void headmath_first_layer_adam_blocks(
    const headmath_batch *batch, int32_t feature_count, const uint8_t *active_features,
    const float *hidden_delta, int32_t units, float *weights, float *first_moment,
    float *second_moment, float learning_rate, float beta1, float beta2, float epsilon,
    int64_t step, float *gradient_scratch, int32_t *cursors, int32_t thread_count) {
  const int32_t count = batch->selection_count;
  const int32_t block_count = (feature_count + block - 1) / block;
  const int32_t parts = std::max(1, std::min({thread_count, block_count, 16}));
  const float rate = float(double(learning_rate) * adam_correction(beta1, beta2, step));
  const float keep1 = 1 - beta1;
  const float keep2 = 1 - beta2;

  run_parts(parts, [=](int32_t part) {
    float *gradient = gradient_scratch + int64_t(part) * block * units;
    int32_t *part_cursors = cursors + int64_t(part) * count;
    const int32_t first_block = share(block_count, parts, part);
    const int32_t end_block = share(block_count, parts, part + 1);
    for (int32_t row = 0; row < count; row++) {
      const int32_t example = batch->selection[row];
      const uint16_t *row_start = batch->features + batch->offsets[example];
      const uint16_t *row_end = batch->features + batch->offsets[example + 1];
      part_cursors[row] = int32_t(
          std::lower_bound(row_start, row_end, first_block * block) - batch->features);
    }

    for (int32_t block_index = first_block; block_index < end_block; block_index++) {
      const int32_t first = block_index * block;
      const int32_t end_feature = std::min(feature_count, first + block);
      for (int64_t index = 0; index < int64_t(end_feature - first) * units; index++) {
        gradient[index] = 0;
      }

      // The gradient of this block's rows, example by example.
      for (int32_t row = 0; row < count; row++) {
        const int32_t begin = part_cursors[row];
        const int32_t end = block_end(batch, batch->selection[row], begin, end_feature);
        part_cursors[row] = end;
        const float *delta = hidden_delta + int64_t(row) * units;
        if (units < 8) {
          for (int32_t entry = begin; entry < end; entry++) {
            add_scaled(gradient + int64_t(batch->features[entry] - first) * units, delta,
                       batch->values[entry], units);
          }
          continue;
        }
        for (int32_t start = 0, width = 0; start < units; start += width) {
          width = strip_width(units, start);
          gradientStrips[(width + 7) / 8 - 1](gradient + start, units, width - 8, first,
                                              batch->features, batch->values, begin, end,
                                              delta + start);
        }
      }

      // Adam on the block's rows while they are in the cache. A feature no
      // example has keeps zero moments and its weights: skipping is exact.
      for (int32_t feature = first; feature < end_feature; feature++) {
        if (!active_features[feature]) continue;
        const float *g = gradient + int64_t(feature - first) * units;
        const int64_t offset = int64_t(feature) * units;
        float *__restrict row = weights + offset;
        float *__restrict mean = first_moment + offset;
        float *__restrict square_mean = second_moment + offset;
        for (int32_t unit = 0; unit < units; unit++) {
          mean[unit] += (g[unit] - mean[unit]) * keep1;
          square_mean[unit] += (g[unit] * g[unit] - square_mean[unit]) * keep2;
          row[unit] -= rate * mean[unit] / (std::sqrt(square_mean[unit]) + epsilon);
        }
      }
    }
  });
}
