// C interface over Armadillo for the dense head: the two layers forward,
// their gradients, and the Adam step. Swift owns every buffer; nothing here
// allocates after Armadillo's own start-up, so prediction stays off the heap.
//
// Layouts (all float32, row-major as Swift sees them):
//   first-layer weights   feature_count x units   (row f: weights of feature f)
//   first-layer bias      units
//   second-layer weights  units x classes
//   hidden                example_count x units
//   probabilities         example_count x classes
// Activations arrive as sparse rows because most of them are zero: example e
// of a set has the nonzero features features[offsets[e] ..< offsets[e+1]]
// with the matching values (prediction lists them in increasing order;
// training's reference path in the order of its training layout).
#ifndef TEACHPAD_HEADMATH_H
#define TEACHPAD_HEADMATH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A set of examples in compressed sparse rows, and the examples of it that
/// one batch uses (`selection`, `selection_count` entries).
typedef struct {
  const int32_t *offsets;
  const uint16_t *features;
  const float *values;
  const int32_t *selection;
  int32_t selection_count;
} headmath_batch;

/// hidden = relu(x * first_weights + first_bias) for each selected example
/// (the one-example path of prediction).
void headmath_hidden_forward(const headmath_batch *batch,
                             const float *first_weights,
                             const float *first_bias, int32_t units,
                             float *hidden);

/// Features per block of the training kernels' sparse part: a block's
/// weight or gradient rows (block x units floats) stay in the level-2 cache
/// while every example of the batch visits them.
#define HEADMATH_FEATURE_BLOCK 256

/// The training layout of the first layer. Its weight rows (and Adam's
/// moments) are the active features in a training order: first the
/// `dense_count` features that many examples have, held densely, then the
/// sparse ones, up to `feature_count` rows. Dense part: `dense_count` bytes
/// per example of the training set, back to back, each worth `scale` times
/// its value. Sparse part: each example's nonzero entries (`features` in
/// training order, increasing, and their values); the entries of example e
/// in sparse block b (rows dense_count + b * HEADMATH_FEATURE_BLOCK and on)
/// are block_starts[e * (blocks + 1) + b] ..< block_starts[e * (blocks + 1)
/// + b + 1], blocks = ceil((feature_count - dense_count) / block). The
/// batch is the examples `selection[0 ..< selection_count]`.
/// `wide_vectors` nonzero runs the 16-lane AVX-512 kernels (x86_64 only;
/// the caller checks that the processor has AVX-512), with the same
/// results as the 8-lane ones.
typedef struct {
  int32_t dense_count;
  int32_t feature_count;
  const uint8_t *dense_bytes;
  float scale;
  const int32_t *block_starts;
  const uint16_t *features;
  const float *values;
  const int32_t *selection;
  int32_t selection_count;
  int32_t wide_vectors;
} headmath_training_batch;

/// Threads that share the training kernels' work for a whole training
/// run, so a step starts none: at most HEADMATH_MAXIMUM_THREADS, the
/// calling thread counted as one. Threads that cannot start are left out
/// (headmath_workers_count says how many run); results never depend on the
/// count. A NULL pointer means the calling thread alone.
#define HEADMATH_MAXIMUM_THREADS 16
typedef struct headmath_workers headmath_workers;

headmath_workers *headmath_workers_start(int32_t thread_count);
int32_t headmath_workers_count(const headmath_workers *workers);
void headmath_workers_stop(headmath_workers *workers);

/// hidden = relu(x * weights + bias) for each example of the batch, in the
/// training layout, summed in the order of the plain loops of
/// `headmath_hidden_forward` over the example's entries in training order
/// (so with the same result). `dense_inputs` (selection_count x
/// dense_count floats) receives the batch's dense features for the step
/// that follows. The threads of `workers` take shares of the examples; the
/// result does not depend on how many there are.
void headmath_training_forward(const headmath_training_batch *batch,
                               const float *weights, const float *bias,
                               int32_t units, float *dense_inputs,
                               float *hidden, headmath_workers *workers);

/// The first layer's weight gradient for the batch (from `hidden_delta`,
/// which `headmath_backward` leaves when called with a NULL first-layer
/// gradient, and the `dense_inputs` of the forward pass) and its Adam step
/// (as `headmath_adam_step`) on every row of the training layout, block of
/// rows by block: the block's gradient is summed in scratch (dense rows
/// from `dense_inputs`, sparse rows from the batch's entries), then its rows
/// take the Adam step while they are in the cache. The threads of
/// `workers` take blocks from a counter; the result does not depend on how
/// many there are. `scratch`: headmath_first_layer_scratch_count floats
/// (each thread's gradient rows and the padded deltas).
void headmath_training_first_layer_step(
    const headmath_training_batch *batch, const float *dense_inputs,
    const float *hidden_delta, int32_t units, float *weights,
    float *first_moment, float *second_moment, float learning_rate,
    float beta1, float beta2, float epsilon, int64_t step, float *scratch,
    headmath_workers *workers);

/// Floats of scratch headmath_training_first_layer_step needs for `units`,
/// batches of up to `batch_capacity` examples and `threads` threads.
int64_t headmath_first_layer_scratch_count(int32_t units, int32_t batch_capacity,
                                           int32_t threads);

/// Adds 1 to counts[f] for each nonzero byte f of `activation` (`count`
/// bytes): how many examples have each feature.
void headmath_count_nonzero(const uint8_t *activation, int32_t count,
                            int32_t *counts);

/// The examples of a training layout, from `example_count` activations of
/// `feature_total` bytes, back to back. `rows[f]` is feature f's training
/// row (-1: no example has it); the dense rows (below `dense_count`) and
/// the sparse rows each increase with the feature. Counting: writes each
/// example's number of nonzero sparse entries to `entry_counts`.
void headmath_layout_count(const uint8_t *activations, int32_t example_count,
                           int32_t feature_total, const int32_t *rows,
                           int32_t dense_count, int32_t *entry_counts,
                           headmath_workers *workers);

/// Filling: each example's dense bytes (`dense_count` per example, into
/// `dense_bytes`, zeros included), its nonzero sparse entries from
/// `first_entries[e]` on (rows in increasing order, values `scale` times
/// the byte) and where each sparse block starts (blocks + 1 positions per
/// example, blocks = ceil((feature_count - dense_count) /
/// HEADMATH_FEATURE_BLOCK)).
void headmath_layout_fill(const uint8_t *activations, int32_t example_count,
                          int32_t feature_total, const int32_t *rows,
                          int32_t dense_count, int32_t feature_count, float scale,
                          const int32_t *first_entries, uint8_t *dense_bytes,
                          uint16_t *features, float *values, int32_t *block_starts,
                          headmath_workers *workers);

/// Has the system give memory to the pages of [start, start + bytes) now,
/// in bulk (madvise MADV_POPULATE_WRITE), each thread of `workers` (NULL:
/// the caller alone) taking a share: a fresh large array's first touch
/// otherwise takes one page fault per page. Where the system cannot, the
/// pages fault in on first touch as usual; the memory's contents are left
/// as they were either way.
void headmath_prepare_pages(void *start, int64_t bytes, headmath_workers *workers);

/// target[0 ..< count] = 0, each thread of `workers` (NULL: the caller
/// alone) zeroing a share: the first touch of new memory is its page
/// faults, and the threads take them in parallel.
void headmath_zero(float *target, int64_t count, headmath_workers *workers);

/// Row r of `target` = row order[r] of `source` (`units` floats per row),
/// r < row_count, the threads taking shares of the rows.
void headmath_gather_rows(const float *source, const int32_t *order, int32_t row_count,
                          int32_t units, float *target, headmath_workers *workers);

/// Row order[r] of `target` = row r of `source`: headmath_gather_rows undone.
void headmath_scatter_rows(const float *source, const int32_t *order, int32_t row_count,
                           int32_t units, float *target, headmath_workers *workers);

/// probabilities = softmax(hidden * second_weights) row by row.
void headmath_output_forward(const float *hidden, int32_t example_count,
                             int32_t units, const float *second_weights,
                             int32_t classes, float *probabilities);

/// Mean categorical cross-entropy of the batch against integer labels,
/// each probability clamped to [1e-7, 1 - 1e-7] as Keras does.
float headmath_cross_entropy(const float *probabilities,
                             const int32_t *labels, int32_t example_count,
                             int32_t classes);

/// Gradients of the mean cross-entropy for one batch (`example_count`
/// selected examples). `output_delta` (example_count x classes) and
/// `hidden_delta` (example_count x units) are scratch. The first-layer
/// gradient has feature_count x units floats and is written in full,
/// unless it is NULL (see `headmath_training_first_layer_step`); `batch` is
/// read only for that gradient and may then be NULL too.
void headmath_backward(const headmath_batch *batch, int32_t example_count,
                       const float *hidden, const float *probabilities,
                       const int32_t *labels, int32_t units, int32_t classes,
                       int32_t feature_count, const float *second_weights,
                       float *output_delta, float *hidden_delta,
                       float *first_weights_gradient,
                       float *first_bias_gradient,
                       float *second_weights_gradient);

/// One Adam step (Keras's form) over `count` parameters, `step` counting
/// from 1:
///   m = m + (g - m)(1 - beta1);  v = v + (g^2 - v)(1 - beta2)
///   p = p - lr sqrt(1 - beta2^step) / (1 - beta1^step) * m / (sqrt(v) + eps)
void headmath_adam_step(float *parameters, const float *gradients,
                        float *first_moment, float *second_moment,
                        int64_t count, float learning_rate, float beta1,
                        float beta2, float epsilon, int64_t step);

/// Writes the nonzero entries of a uint8 activation as sparse features:
/// feature indices and values `scale * q`. Returns how many there were.
/// `features` and `values` hold `count` entries; `count` is at most 65536.
int32_t headmath_sparse_row(const uint8_t *activation, int32_t count,
                            float scale, uint16_t *features, float *values);

/// Normal draws of `deviation` cut at two deviations (Keras's truncated
/// normal), up to two from each of the `count` 64-bit random words in
/// `bits` (Box-Muller on two 24-bit uniforms; a draw beyond two deviations
/// is dropped). Writes them to `draws` (room for 2 x count) in order and
/// returns how many there are.
int32_t headmath_truncated_normals(const uint64_t *bits, int32_t count,
                                   float deviation, float *draws);

/// headmath_truncated_normals on `chunk_count` chunks of `chunk_words`
/// words each, the threads of `workers` (NULL: the caller alone) taking
/// chunks: chunk c's draws go to draws + 2 x chunk_words x c, and how many
/// there are to made[c].
void headmath_truncated_normal_chunks(const uint64_t *bits, int32_t chunk_count,
                                      int32_t chunk_words, float deviation, float *draws,
                                      int32_t *made, headmath_workers *workers);

/// Cosine similarity of `query` with each of `example_count` stored uint8
/// examples (`feature_count` bytes each, back to back), whose Euclidean
/// norms are in `norms`. A zero vector has similarity 0 with everything.
void headmath_cosine_scores(const uint8_t *query, const uint8_t *examples,
                            int32_t example_count, int32_t feature_count,
                            const float *norms, float *scores);

/// The Euclidean norm of a uint8 vector.
float headmath_uint8_norm(const uint8_t *vector, int32_t count);

#ifdef __cplusplus
}
#endif

#endif
