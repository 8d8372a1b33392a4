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
// Unit strips: up to 13 vectors of units are held in registers (104 units
// in vectors of 8 lanes, 208 in vectors of 16). When the width is not a
// multiple of the lanes, the last vector starts a vector's width before the
// strip's end and overlaps the one before it; both compute the shared lanes
// with the same operations, so the stores agree. Wider layers are cut into
// strips of 12 vectors and a last strip of one vector or more. The kernels
// are in FirstLayerKernels.h, compiled for 8 lanes everywhere and for 16
// lanes (AVX-512) on x86_64; a batch's `wide_vectors` picks the 16-lane
// ones. Fewer units than lanes take the plain loops.
#include "HeadMath.h"
#include "Workers.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>
#include <sys/mman.h>
#include <unistd.h>

namespace {

constexpr int32_t block = HEADMATH_FEATURE_BLOCK;
// Rows of dense features per pass: 64 rows of weights or gradient (25.6 KB
// at 100 units) stay in the level-1 cache while every tile of the batch
// uses them (32 rows measured a little slower).
constexpr int32_t denseBlock = 64;

inline int32_t share(int32_t count, int32_t parts, int32_t part) {
  return int32_t(int64_t(count) * part / parts);
}

inline int32_t sparse_block_count(const headmath_training_batch *batch) {
  return (batch->feature_count - batch->dense_count + block - 1) / block;
}

/// sqrt(1 - beta2^step) / (1 - beta1^step), Adam's bias correction.
double adam_correction(float beta1, float beta2, int64_t step) {
  return std::sqrt(1.0 - std::pow(double(beta2), double(step))) /
         (1.0 - std::pow(double(beta1), double(step)));
}

inline void add_scaled(float *__restrict target, const float *__restrict source,
                       float scale, int32_t count) {
  for (int32_t index = 0; index < count; index++) target[index] += scale * source[index];
}

/// One part of the gradient and Adam step: the training rows first ..< end
/// of a dense block of denseBlock rows (sparse_block -1) or of sparse block
/// `sparse_block` (HEADMATH_FEATURE_BLOCK rows). Part p is dense block p
/// while there are dense blocks, then the sparse blocks in order.
struct StepPart {
  int32_t first;
  int32_t end;
  int32_t sparse_block;
};

inline int32_t dense_block_count(const headmath_training_batch *batch) {
  return (batch->dense_count + denseBlock - 1) / denseBlock;
}

inline StepPart step_part_at(const headmath_training_batch *batch, int32_t part) {
  const int32_t dense_blocks = dense_block_count(batch);
  if (part < dense_blocks) {
    const int32_t first = part * denseBlock;
    return StepPart{first, std::min(batch->dense_count, first + denseBlock), -1};
  }
  const int32_t first = batch->dense_count + (part - dense_blocks) * block;
  return StepPart{first, std::min(batch->feature_count, first + block),
                  part - dense_blocks};
}

/// The start of the forward pass of batch rows first_row ..< end_row:
/// hidden rows set to the bias, dense inputs converted to floats.
void start_rows(const headmath_training_batch *batch, const float *bias, int32_t units,
                float *dense_inputs, float *hidden, int32_t first_row, int32_t end_row) {
  const int32_t dense = batch->dense_count;
  for (int32_t row = first_row; row < end_row; row++) {
    float *output = hidden + int64_t(row) * units;
    for (int32_t unit = 0; unit < units; unit++) output[unit] = bias[unit];
    const uint8_t *bytes = batch->dense_bytes + int64_t(batch->selection[row]) * dense;
    float *inputs = dense_inputs + int64_t(row) * dense;
    for (int32_t index = 0; index < dense; index++) {
      inputs[index] = batch->scale * float(bytes[index]);
    }
  }
}

}  // namespace

namespace lanes8 {
#define FIRST_LAYER_LANES 8
#include "FirstLayerKernels.h"
#undef FIRST_LAYER_LANES
}  // namespace lanes8

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))), \
                             apply_to = function)
namespace lanes16 {
#define FIRST_LAYER_LANES 16
#include "FirstLayerKernels.h"
#undef FIRST_LAYER_LANES
}  // namespace lanes16
#pragma clang attribute pop
#endif

namespace {

/// Fewer units than a vector's lanes: the plain loops, in the same order.
void forward_rows_plain(const headmath_training_batch *batch, const float *weights,
                        const float *bias, int32_t units, float *dense_inputs,
                        float *hidden, int32_t first_row, int32_t end_row) {
  const int32_t dense = batch->dense_count;
  const int32_t blocks = sparse_block_count(batch);
  start_rows(batch, bias, units, dense_inputs, hidden, first_row, end_row);
  for (int32_t row = first_row; row < end_row; row++) {
    float *output = hidden + int64_t(row) * units;
    const float *inputs = dense_inputs + int64_t(row) * dense;
    for (int32_t feature = 0; feature < dense; feature++) {
      add_scaled(output, weights + int64_t(feature) * units, inputs[feature], units);
    }
    const int32_t *starts =
        batch->block_starts + int64_t(batch->selection[row]) * (blocks + 1);
    for (int32_t entry = starts[0]; entry < starts[blocks]; entry++) {
      add_scaled(output, weights + int64_t(batch->features[entry]) * units,
                 batch->values[entry], units);
    }
    for (int32_t unit = 0; unit < units; unit++) {
      if (output[unit] < 0) output[unit] = 0;
    }
  }
}

void step_rows_plain(const headmath_training_batch *batch, const float *dense_inputs,
                     const float *hidden_delta, int32_t units, float *weights,
                     float *first_moment, float *second_moment, float rate, float keep1,
                     float keep2, float epsilon, float *gradient, int32_t first_row,
                     int32_t end_row) {
  const int32_t dense = batch->dense_count;
  const int32_t blocks = sparse_block_count(batch);
  const int64_t size = int64_t(end_row - first_row) * units;
  std::fill(gradient, gradient + size, 0.0f);
  for (int32_t row = 0; row < batch->selection_count; row++) {
    const float *delta = hidden_delta + int64_t(row) * units;
    for (int32_t feature = std::max(first_row, 0); feature < std::min(end_row, dense);
         feature++) {
      add_scaled(gradient + int64_t(feature - first_row) * units, delta,
                 dense_inputs[int64_t(row) * dense + feature], units);
    }
    const int32_t *starts =
        batch->block_starts + int64_t(batch->selection[row]) * (blocks + 1);
    for (int32_t entry = starts[0]; entry < starts[blocks]; entry++) {
      const int32_t feature = batch->features[entry];
      if (feature < first_row || feature >= end_row) continue;
      add_scaled(gradient + int64_t(feature - first_row) * units, delta,
                 batch->values[entry], units);
    }
  }
  const int64_t offset = int64_t(first_row) * units;
  lanes8::adam_range(weights + offset, first_moment + offset, second_moment + offset,
                     gradient, size, rate, keep1, keep2, epsilon);
}

}  // namespace

extern "C" void headmath_training_forward(
    const headmath_training_batch *batch, const float *weights, const float *bias,
    int32_t units, float *dense_inputs, float *hidden, headmath_workers *workers) {
  // One share of the examples per thread: each share walks every weight
  // row once, so more shares would read the weights more often. A thread
  // that is late leaves its share to the others.
  const int32_t count = batch->selection_count;
  const int32_t parts = std::max(1, std::min(headmath_workers_count(workers), count));
  std::atomic<int32_t> next{0};
  run_on_workers(workers, [&](int32_t) {
    for (int32_t part = next++; part < parts; part = next++) {
      const int32_t first_row = share(count, parts, part);
      const int32_t end_row = share(count, parts, part + 1);
#if defined(__x86_64__)
      if (batch->wide_vectors && units >= lanes16::lanes) {
        lanes16::forward_rows(batch, weights, bias, units, dense_inputs, hidden,
                              first_row, end_row);
        continue;
      }
#endif
      if (units >= lanes8::lanes) {
        lanes8::forward_rows(batch, weights, bias, units, dense_inputs, hidden,
                             first_row, end_row);
      } else {
        forward_rows_plain(batch, weights, bias, units, dense_inputs, hidden, first_row,
                           end_row);
      }
    }
  });
}

namespace {

/// The widest vectors' padded row: the scratch is sized for it, and every
/// width's rows (padded to its own lanes) fit.
inline int64_t widest_padded_units(int32_t units) { return (units + 15) / 16 * 16; }

/// Floats of slack before each part of the scratch, to align it to 64 bytes.
constexpr int64_t alignmentSlack = 16;

inline float *aligned(float *pointer) {
  const uintptr_t address = reinterpret_cast<uintptr_t>(pointer);
  return reinterpret_cast<float *>((address + 63) & ~uintptr_t(63));
}

/// Thread t's gradient rows, then the padded hidden deltas.
inline float *thread_gradient(float *scratch, int32_t units, int32_t thread) {
  return aligned(scratch + thread * (block * widest_padded_units(units) + alignmentSlack));
}

}  // namespace

extern "C" int64_t headmath_first_layer_scratch_count(int32_t units, int32_t batch_capacity,
                                                      int32_t threads) {
  return (int64_t(threads) * block + batch_capacity) * widest_padded_units(units) +
         (int64_t(threads) + 1) * alignmentSlack;
}

extern "C" void headmath_training_first_layer_step(
    const headmath_training_batch *batch, const float *dense_inputs,
    const float *hidden_delta, int32_t units, float *weights, float *first_moment,
    float *second_moment, float learning_rate, float beta1, float beta2, float epsilon,
    int64_t step, float *scratch, headmath_workers *workers) {
  const int32_t parts = dense_block_count(batch) + sparse_block_count(batch);
  const float rate = float(double(learning_rate) * adam_correction(beta1, beta2, step));
  const float keep1 = 1 - beta1;
  const float keep2 = 1 - beta2;
  const int32_t threads = headmath_workers_count(workers);

#if defined(__x86_64__)
  const bool wide = batch->wide_vectors && units >= lanes16::lanes;
  const int32_t stride = wide ? lanes16::padded_units(units) : lanes8::padded_units(units);
#else
  const int32_t stride = lanes8::padded_units(units);
#endif
  // The deltas with their rows padded to whole vectors (zeros), aligned.
  float *padded_delta = thread_gradient(scratch, units, threads);
  if (units >= lanes8::lanes) {
    for (int32_t row = 0; row < batch->selection_count; row++) {
      float *target = padded_delta + int64_t(row) * stride;
      std::copy_n(hidden_delta + int64_t(row) * units, units, target);
      std::fill(target + units, target + stride, 0.0f);
    }
  }

  // Parts: the dense blocks, then the sparse blocks, taken from a counter.
  std::atomic<int32_t> next{0};
  run_on_workers(workers, [&](int32_t thread) {
    float *gradient = thread_gradient(scratch, units, thread);
    for (int32_t index = next++; index < parts; index = next++) {
      const StepPart part = step_part_at(batch, index);
#if defined(__x86_64__)
      if (wide) {
        lanes16::step_part(batch, dense_inputs, padded_delta, units, weights, first_moment,
                           second_moment, rate, keep1, keep2, epsilon, gradient, part);
        continue;
      }
#endif
      if (units >= lanes8::lanes) {
        lanes8::step_part(batch, dense_inputs, padded_delta, units, weights, first_moment,
                          second_moment, rate, keep1, keep2, epsilon, gradient, part);
      } else {
        step_rows_plain(batch, dense_inputs, hidden_delta, units, weights, first_moment,
                        second_moment, rate, keep1, keep2, epsilon, gradient, part.first,
                        part.end);
      }
    }
  });
}

extern "C" void headmath_count_nonzero(const uint8_t *activation, int32_t count,
                                       int32_t *counts) {
  for (int32_t index = 0; index < count; index++) counts[index] += activation[index] != 0;
}

namespace {

constexpr uint64_t lowSevenBits = 0x7F7F7F7F7F7F7F7Full;
constexpr uint64_t highBits = 0x8080808080808080ull;

/// 0x80 in each nonzero byte of `word`, 0 in the others (no carry crosses
/// a byte: 0x7F + 0x7F < 0x100).
inline uint64_t nonzero_bytes(uint64_t word) {
  return (((word & lowSevenBits) + lowSevenBits) | word) & highBits;
}

/// What a layout pass needs of `rows`, made once per pass: per word of 8
/// features, 0x80 in the byte of each feature with a sparse row; and the
/// feature of each dense row.
struct LayoutRows {
  std::vector<uint64_t> sparse_words;
  std::vector<int32_t> dense_features;

  LayoutRows(const int32_t *rows, int32_t feature_total, int32_t dense_count)
      : sparse_words(size_t(feature_total / 8), 0), dense_features(size_t(dense_count), 0) {
    for (int32_t feature = 0; feature < feature_total; feature++) {
      const int32_t row = rows[feature];
      if (row >= dense_count && feature / 8 < int32_t(sparse_words.size())) {
        sparse_words[size_t(feature / 8)] |= uint64_t(0x80) << (8 * (feature % 8));
      }
      if (row >= 0 && row < dense_count) dense_features[size_t(row)] = feature;
    }
  }
};

/// Calls body(feature, byte) for each nonzero byte of an activation whose
/// feature has a sparse row, in feature order: eight bytes at a time, one
/// step per such byte (no branch per byte; most are zero).
template <typename Body>
inline void each_sparse_nonzero(const uint8_t *activation, int32_t count,
                                const int32_t *rows, int32_t dense_count,
                                const LayoutRows &layout, const Body &body) {
  const int32_t words = int32_t(layout.sparse_words.size());
  for (int32_t word_index = 0; word_index < words; word_index++) {
    uint64_t word;
    __builtin_memcpy(&word, activation + int64_t(word_index) * 8, sizeof word);
    for (uint64_t bits = nonzero_bytes(word) & layout.sparse_words[size_t(word_index)];
         bits != 0; bits &= bits - 1) {
      const int32_t feature = word_index * 8 + __builtin_ctzll(bits) / 8;
      body(feature, activation[feature]);
    }
  }
  for (int32_t feature = words * 8; feature < count; feature++) {
    if (activation[feature] != 0 && rows[feature] >= dense_count) {
      body(feature, activation[feature]);
    }
  }
}

/// Runs body(example) for every example, the threads taking examples 16 at
/// a time from a counter.
template <typename Body>
void each_example(int32_t example_count, headmath_workers *workers, const Body &body) {
  constexpr int32_t chunk = 16;
  std::atomic<int32_t> next{0};
  run_on_workers(workers, [&](int32_t) {
    for (int32_t first = next.fetch_add(chunk); first < example_count;
         first = next.fetch_add(chunk)) {
      for (int32_t example = first; example < std::min(example_count, first + chunk);
           example++) {
        body(example);
      }
    }
  });
}

}  // namespace

extern "C" void headmath_layout_count(const uint8_t *activations, int32_t example_count,
                                      int32_t feature_total, const int32_t *rows,
                                      int32_t dense_count, int32_t *entry_counts,
                                      headmath_workers *workers) {
  const LayoutRows layout(rows, feature_total, dense_count);
  each_example(example_count, workers, [&](int32_t example) {
    const uint8_t *activation = activations + int64_t(example) * feature_total;
    const int32_t words = int32_t(layout.sparse_words.size());
    int32_t found = 0;
    for (int32_t word_index = 0; word_index < words; word_index++) {
      uint64_t word;
      __builtin_memcpy(&word, activation + int64_t(word_index) * 8, sizeof word);
      found += __builtin_popcountll(nonzero_bytes(word) &
                                    layout.sparse_words[size_t(word_index)]);
    }
    for (int32_t feature = words * 8; feature < feature_total; feature++) {
      found += activation[feature] != 0 && rows[feature] >= dense_count;
    }
    entry_counts[example] = found;
  });
}

extern "C" void headmath_layout_fill(const uint8_t *activations, int32_t example_count,
                                     int32_t feature_total, const int32_t *rows,
                                     int32_t dense_count, int32_t feature_count,
                                     float scale, const int32_t *first_entries,
                                     uint8_t *dense_bytes, uint16_t *features,
                                     float *values, int32_t *block_starts,
                                     headmath_workers *workers) {
  const int32_t blocks = (feature_count - dense_count + block - 1) / block;
  const LayoutRows layout(rows, feature_total, dense_count);
  each_example(example_count, workers, [&](int32_t example) {
    const uint8_t *activation = activations + int64_t(example) * feature_total;
    uint8_t *dense = dense_bytes + int64_t(example) * dense_count;
    for (int32_t row = 0; row < dense_count; row++) {
      dense[row] = activation[layout.dense_features[size_t(row)]];
    }
    int32_t *starts = block_starts + int64_t(example) * (blocks + 1);
    int32_t entry = first_entries[example];
    int32_t block_index = 0;
    starts[0] = entry;
    each_sparse_nonzero(activation, feature_total, rows, dense_count, layout,
                        [&](int32_t feature, uint8_t byte) {
                          const int32_t row = rows[feature];
                          // Sparse rows increase with the feature, so blocks
                          // only move forward; the ones passed over are empty.
                          const int32_t entry_block = (row - dense_count) / block;
                          while (block_index < entry_block) starts[++block_index] = entry;
                          features[entry] = uint16_t(row);
                          values[entry] = scale * float(byte);
                          entry++;
                        });
    while (block_index < blocks) starts[++block_index] = entry;
  });
}

namespace {

/// Runs body(first, end) on each thread's share of 0 ..< count.
template <typename Body>
void each_share(int64_t count, headmath_workers *workers, const Body &body) {
  const int32_t threads = headmath_workers_count(workers);
  run_on_workers(workers, [&](int32_t thread) {
    body(count * thread / threads, count * (thread + 1) / threads);
  });
}

}  // namespace

extern "C" void headmath_zero(float *target, int64_t count, headmath_workers *workers) {
  each_share(count, workers,
             [&](int64_t first, int64_t end) { std::fill(target + first, target + end, 0.0f); });
}

extern "C" void headmath_gather_rows(const float *source, const int32_t *order,
                                     int32_t row_count, int32_t units, float *target,
                                     headmath_workers *workers) {
  each_share(row_count, workers, [&](int64_t first, int64_t end) {
    for (int64_t row = first; row < end; row++) {
      std::copy_n(source + int64_t(order[row]) * units, units, target + row * units);
    }
  });
}

extern "C" void headmath_scatter_rows(const float *source, const int32_t *order,
                                      int32_t row_count, int32_t units, float *target,
                                      headmath_workers *workers) {
  each_share(row_count, workers, [&](int64_t first, int64_t end) {
    for (int64_t row = first; row < end; row++) {
      std::copy_n(source + row * units, units, target + int64_t(order[row]) * units);
    }
  });
}

extern "C" void headmath_prepare_pages(void *start, int64_t bytes, headmath_workers *workers) {
#if defined(MADV_POPULATE_WRITE)
  const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  const uintptr_t first = (reinterpret_cast<uintptr_t>(start) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(start) + uintptr_t(bytes)) / page * page;
  if (start == nullptr || bytes <= 0 || end <= first) return;
  const int64_t pages = int64_t((end - first) / page);
  each_share(pages, workers, [&](int64_t from, int64_t to) {
    if (to > from) {
      madvise(reinterpret_cast<void *>(first + uintptr_t(from) * page),
              size_t(to - from) * page, MADV_POPULATE_WRITE);
    }
  });
#else
  (void)start;
  (void)bytes;
  (void)workers;
#endif
}
