// The first layer during training, in the training layout of
// `headmath_training_batch`: the features most examples have are held
// densely and go through register-tiled dense kernels; the rest are sparse
// rows walked in blocks of HEADMATH_FEATURE_BLOCK features, so the weights
// (forward) or gradient rows (backward) of one block stay in the level-2
// cache while every example of the batch visits it. Each example's sparse
// entries are sorted by training row and its block boundaries are
// precomputed: no sorting, scanning or transposing per batch.
//
// Every sum runs in the same order as the plain loops over an example's
// entries in training order (hidden: bias, then rows in increasing order;
// gradient: examples in batch order, from zero), each term one fused
// multiply-add, so results are the same as those loops' (zero dense inputs
// add exact zeros) whatever the blocking and the thread count.
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

inline Vector8 broadcast8(float value) {
  return Vector8{value, value, value, value, value, value, value, value};
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
    const Vector8 value = broadcast8(values[entry]);
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
    const Vector8 value = broadcast8(values[entry]);
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

inline void add_scaled(float *__restrict target, const float *__restrict source,
                       float scale, int32_t count) {
  for (int32_t index = 0; index < count; index++) target[index] += scale * source[index];
}

inline int32_t sparse_block_count(const headmath_training_batch *batch) {
  return (batch->feature_count - batch->dense_count + block - 1) / block;
}

/// sqrt(1 - beta2^step) / (1 - beta1^step), Adam's bias correction.
double adam_correction(float beta1, float beta2, int64_t step) {
  return std::sqrt(1.0 - std::pow(double(beta2), double(step))) /
         (1.0 - std::pow(double(beta1), double(step)));
}

/// Adam's step over `count` consecutive parameters (see headmath_adam_step;
/// `rate` includes the bias correction).
void adam_range(float *__restrict weights, float *__restrict mean,
                float *__restrict square_mean, const float *__restrict gradient,
                int64_t count, float rate, float keep1, float keep2, float epsilon) {
  for (int64_t index = 0; index < count; index++) {
    const float g = gradient[index];
    mean[index] += (g - mean[index]) * keep1;
    square_mean[index] += (g * g - square_mean[index]) * keep2;
    weights[index] -= rate * mean[index] / (std::sqrt(square_mean[index]) + epsilon);
  }
}

// Dense tiles. Rows of dense features per pass: 64 rows of weights or
// gradient (25.6 KB at 100 units) stay in the level-1 cache while every
// tile of the batch uses them (32 rows measured a little slower).
constexpr int32_t denseBlock = 64;
constexpr int32_t tileRows = 3;
constexpr int32_t tileVectors = 4;

/// hidden[e][lanes] += sum over f of inputs[e][f] * weights[f][lanes] for E
/// examples (rows `input_stride` apart in `inputs`, `units` apart in
/// `hidden`) and NV vectors at the lane offsets `lanes`, f = 0 ..< rows in
/// order.
template <int E, int NV>
void dense_forward_tile(const float *inputs, int64_t input_stride, const float *weights,
                        int32_t units, const int32_t *lanes, int32_t rows,
                        float *hidden) {
  Vector8 sums[E][NV];
#pragma clang loop unroll(full)
  for (int e = 0; e < E; e++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) sums[e][v] = load8(hidden + e * units + lanes[v]);
  }
  for (int32_t row = 0; row < rows; row++) {
    const float *weight_row = weights + int64_t(row) * units;
    Vector8 values[E];
#pragma clang loop unroll(full)
    for (int e = 0; e < E; e++) values[e] = broadcast8(inputs[e * input_stride + row]);
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      const Vector8 weight = load8(weight_row + lanes[v]);
#pragma clang loop unroll(full)
      for (int e = 0; e < E; e++) sums[e][v] += values[e] * weight;
    }
  }
#pragma clang loop unroll(full)
  for (int e = 0; e < E; e++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) store8(hidden + e * units + lanes[v], sums[e][v]);
  }
}

/// gradient[f][lanes] += sum over e of inputs[e][f] * delta[e][lanes] for F
/// features (consecutive in `inputs` rows `input_stride` apart, rows of
/// `gradient` `units` apart), e = 0 ..< count in order.
template <int F, int NV>
void dense_gradient_tile(const float *inputs, int64_t input_stride, const float *delta,
                         int32_t units, const int32_t *lanes, int32_t count,
                         float *gradient) {
  Vector8 sums[F][NV];
#pragma clang loop unroll(full)
  for (int f = 0; f < F; f++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) sums[f][v] = load8(gradient + f * units + lanes[v]);
  }
  for (int32_t row = 0; row < count; row++) {
    const float *delta_row = delta + int64_t(row) * units;
    const float *input_row = inputs + int64_t(row) * input_stride;
    Vector8 values[F];
#pragma clang loop unroll(full)
    for (int f = 0; f < F; f++) values[f] = broadcast8(input_row[f]);
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      const Vector8 deltas = load8(delta_row + lanes[v]);
#pragma clang loop unroll(full)
      for (int f = 0; f < F; f++) sums[f][v] += values[f] * deltas;
    }
  }
#pragma clang loop unroll(full)
  for (int f = 0; f < F; f++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) store8(gradient + f * units + lanes[v], sums[f][v]);
  }
}

typedef void (*DenseTile)(const float *, int64_t, const float *, int32_t,
                          const int32_t *, int32_t, float *);

const DenseTile denseForwardTiles[tileRows][tileVectors] = {
    {dense_forward_tile<1, 1>, dense_forward_tile<1, 2>, dense_forward_tile<1, 3>,
     dense_forward_tile<1, 4>},
    {dense_forward_tile<2, 1>, dense_forward_tile<2, 2>, dense_forward_tile<2, 3>,
     dense_forward_tile<2, 4>},
    {dense_forward_tile<3, 1>, dense_forward_tile<3, 2>, dense_forward_tile<3, 3>,
     dense_forward_tile<3, 4>}};
const DenseTile denseGradientTiles[tileRows][tileVectors] = {
    {dense_gradient_tile<1, 1>, dense_gradient_tile<1, 2>, dense_gradient_tile<1, 3>,
     dense_gradient_tile<1, 4>},
    {dense_gradient_tile<2, 1>, dense_gradient_tile<2, 2>, dense_gradient_tile<2, 3>,
     dense_gradient_tile<2, 4>},
    {dense_gradient_tile<3, 1>, dense_gradient_tile<3, 2>, dense_gradient_tile<3, 3>,
     dense_gradient_tile<3, 4>}};

/// The lane offsets of the vectors covering `units` (8 or more): 0, 8, ...,
/// and units - 8 for a last part vector. Returns how many.
int32_t vector_lanes(int32_t units, int32_t *lanes) {
  int32_t count = 0;
  for (int32_t lane = 0; lane + 8 <= units; lane += 8) lanes[count++] = lane;
  if (units % 8 != 0) lanes[count++] = units - 8;
  return count;
}

/// How many vectors the tile starting at vector `first` of `vectors` takes:
/// up to tileVectors, but never leaving a last tile of one vector, so a
/// last part vector is always in the same tile as the one it overlaps (a
/// tile reads its sums before adding to them; two tiles would add the
/// shared lanes twice).
int32_t tile_width(int32_t vectors, int32_t first) {
  const int32_t left = vectors - first;
  if (left == tileVectors + 1) return tileVectors - 1;
  return std::min(tileVectors, left);
}

/// Hidden rows first_row ..< end_row += their dense inputs times the dense
/// weight rows, feature block by block.
void dense_forward(const float *inputs, int32_t dense, const float *weights,
                   int32_t units, int32_t first_row, int32_t end_row, float *hidden) {
  if (units < 8) {
    for (int32_t first = 0; first < dense; first += denseBlock) {
      const int32_t end = std::min(dense, first + denseBlock);
      for (int32_t row = first_row; row < end_row; row++) {
        for (int32_t feature = first; feature < end; feature++) {
          add_scaled(hidden + int64_t(row) * units, weights + int64_t(feature) * units,
                     inputs[int64_t(row) * dense + feature], units);
        }
      }
    }
    return;
  }
  int32_t lanes[512];
  const int32_t vectors = vector_lanes(units, lanes);
  for (int32_t first = 0; first < dense; first += denseBlock) {
    const int32_t rows = std::min(denseBlock, dense - first);
    for (int32_t row = first_row; row < end_row; row += tileRows) {
      const int32_t examples = std::min(tileRows, end_row - row);
      for (int32_t vector = 0, width = 0; vector < vectors; vector += width) {
        width = tile_width(vectors, vector);
        denseForwardTiles[examples - 1][width - 1](
            inputs + int64_t(row) * dense + first, dense,
            weights + int64_t(first) * units, units, lanes + vector, rows,
            hidden + int64_t(row) * units);
      }
    }
  }
}

/// gradient rows (features first ..< end of the dense part, from row 0 of
/// `gradient`) = sum over the batch of dense inputs times hidden deltas.
void dense_gradient(const float *inputs, int32_t dense, const float *delta,
                    int32_t units, int32_t count, int32_t first, int32_t end,
                    float *gradient) {
  std::fill(gradient, gradient + int64_t(end - first) * units, 0.0f);
  if (units < 8) {
    for (int32_t row = 0; row < count; row++) {
      for (int32_t feature = first; feature < end; feature++) {
        add_scaled(gradient + int64_t(feature - first) * units, delta + int64_t(row) * units,
                   inputs[int64_t(row) * dense + feature], units);
      }
    }
    return;
  }
  int32_t lanes[512];
  const int32_t vectors = vector_lanes(units, lanes);
  for (int32_t vector = 0, width = 0; vector < vectors; vector += width) {
    width = tile_width(vectors, vector);
    for (int32_t feature = first; feature < end; feature += tileRows) {
      const int32_t features = std::min(tileRows, end - feature);
      denseGradientTiles[features - 1][width - 1](
          inputs + feature, dense, delta, units, lanes + vector, count,
          gradient + int64_t(feature - first) * units);
    }
  }
}

}  // namespace

extern "C" void headmath_training_forward(
    const headmath_training_batch *batch, const float *weights, const float *bias,
    int32_t units, float *dense_inputs, float *hidden, int32_t thread_count) {
  const int32_t count = batch->selection_count;
  const int32_t dense = batch->dense_count;
  const int32_t blocks = sparse_block_count(batch);
  const int32_t parts = std::max(1, std::min({thread_count, count, 16}));

  run_parts(parts, [=](int32_t part) {
    const int32_t first_row = share(count, parts, part);
    const int32_t end_row = share(count, parts, part + 1);
    for (int32_t row = first_row; row < end_row; row++) {
      float *output = hidden + int64_t(row) * units;
      for (int32_t unit = 0; unit < units; unit++) output[unit] = bias[unit];
      const uint8_t *bytes = batch->dense_bytes + int64_t(batch->selection[row]) * dense;
      float *inputs = dense_inputs + int64_t(row) * dense;
      for (int32_t index = 0; index < dense; index++) {
        inputs[index] = batch->scale * float(bytes[index]);
      }
    }

    dense_forward(dense_inputs, dense, weights, units, first_row, end_row, hidden);

    for (int32_t block_index = 0; block_index < blocks; block_index++) {
      for (int32_t row = first_row; row < end_row; row++) {
        const int32_t *starts =
            batch->block_starts + int64_t(batch->selection[row]) * (blocks + 1);
        const int32_t begin = starts[block_index];
        const int32_t end = starts[block_index + 1];
        float *output = hidden + int64_t(row) * units;
        if (units < 8) {
          for (int32_t entry = begin; entry < end; entry++) {
            add_scaled(output, weights + int64_t(batch->features[entry]) * units,
                       batch->values[entry], units);
          }
          continue;
        }
        for (int32_t start = 0, width = 0; start < units; start += width) {
          width = strip_width(units, start);
          forwardStrips[(width + 7) / 8 - 1](weights + start, units, width - 8,
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

extern "C" void headmath_training_first_layer_step(
    const headmath_training_batch *batch, const float *dense_inputs,
    const float *hidden_delta, int32_t units, float *weights, float *first_moment,
    float *second_moment, float learning_rate, float beta1, float beta2, float epsilon,
    int64_t step, float *gradient_scratch, int32_t thread_count) {
  const int32_t count = batch->selection_count;
  const int32_t dense = batch->dense_count;
  const int32_t dense_blocks = (dense + denseBlock - 1) / denseBlock;
  const int32_t blocks = sparse_block_count(batch);
  const int32_t parts = std::max(1, std::min(thread_count, 16));
  const float rate = float(double(learning_rate) * adam_correction(beta1, beta2, step));
  const float keep1 = 1 - beta1;
  const float keep2 = 1 - beta2;

  run_parts(parts, [=](int32_t part) {
    float *gradient = gradient_scratch + int64_t(part) * block * units;

    // Dense rows, block by block: gradient, then Adam while it is cached.
    const int32_t first_dense_block = share(dense_blocks, parts, part);
    const int32_t end_dense_block = share(dense_blocks, parts, part + 1);
    for (int32_t block_index = first_dense_block; block_index < end_dense_block;
         block_index++) {
      const int32_t first = block_index * denseBlock;
      const int32_t end = std::min(dense, first + denseBlock);
      dense_gradient(dense_inputs, dense, hidden_delta, units, count, first, end,
                     gradient);
      const int64_t offset = int64_t(first) * units;
      adam_range(weights + offset, first_moment + offset, second_moment + offset,
                 gradient, int64_t(end - first) * units, rate, keep1, keep2, epsilon);
    }

    // Sparse rows, block by block.
    const int32_t first_block = share(blocks, parts, part);
    const int32_t end_block = share(blocks, parts, part + 1);
    for (int32_t block_index = first_block; block_index < end_block; block_index++) {
      const int32_t first = dense + block_index * block;
      const int32_t end_feature = std::min(batch->feature_count, first + block);
      const int64_t size = int64_t(end_feature - first) * units;
      std::fill(gradient, gradient + size, 0.0f);

      // The gradient of this block's rows, example by example.
      for (int32_t row = 0; row < count; row++) {
        const int32_t *starts =
            batch->block_starts + int64_t(batch->selection[row]) * (blocks + 1);
        const int32_t begin = starts[block_index];
        const int32_t end = starts[block_index + 1];
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

      // Adam on the block's rows while they are in the cache.
      const int64_t offset = int64_t(first) * units;
      adam_range(weights + offset, first_moment + offset, second_moment + offset,
                 gradient, size, rate, keep1, keep2, epsilon);
    }
  });
}

extern "C" void headmath_count_nonzero(const uint8_t *activation, int32_t count,
                                       int32_t *counts) {
  for (int32_t index = 0; index < count; index++) counts[index] += activation[index] != 0;
}

extern "C" int32_t headmath_training_row(
    const uint8_t *activation, const int32_t *order, int32_t dense_count,
    int32_t feature_count, float scale, int32_t first_entry, uint8_t *dense_bytes,
    uint16_t *features, float *values, int32_t *block_starts) {
  for (int32_t row = 0; row < dense_count; row++) dense_bytes[row] = activation[order[row]];

  int32_t found = 0;
  int32_t block_index = 0;
  for (int32_t row = dense_count; row < feature_count; row++) {
    if ((row - dense_count) % block == 0) block_starts[block_index++] = first_entry + found;
    const uint8_t byte = activation[order[row]];
    if (byte == 0) continue;
    features[found] = uint16_t(row);
    values[found] = scale * float(byte);
    found++;
  }
  block_starts[block_index] = first_entry + found;
  return found;
}
