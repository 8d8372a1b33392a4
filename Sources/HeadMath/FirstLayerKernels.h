// The first layer's training kernels for one vector width, included by
// FirstLayer.cpp once per width inside its own namespace: 8 lanes (AVX2 and
// FMA on x86_64, two NEON registers on aarch64) and, on x86_64, 16 lanes
// compiled for AVX-512 and called only where the processor has it. The
// file comment of FirstLayer.cpp says how the sums are ordered; every lane
// of every width runs the same fused multiply-adds in the same order, so
// both widths give the same results.
//
// Not a header of its own: no include guard, meant to be included more than
// once. Before including: FIRST_LAYER_LANES (8 or 16), and the namespace's
// helpers (block, denseBlock, sparse_block_count, start_rows, StepPart)
// visible.

constexpr int32_t lanes = FIRST_LAYER_LANES;
typedef float Vector __attribute__((vector_size(4 * FIRST_LAYER_LANES)));

inline Vector load(const float *source) {
  Vector value;
  __builtin_memcpy(&value, source, sizeof value);
  return value;
}

inline void store(float *target, Vector value) {
  __builtin_memcpy(target, &value, sizeof value);
}

/// sum + a * b in one rounding, whatever the optimizer: both widths and
/// every lane must run the same fused operations.
inline Vector fused(Vector a, Vector b, Vector sum) {
  return __builtin_elementwise_fma(a, b, sum);
}

inline Vector broadcast(float value) {
  Vector result;
#pragma clang loop unroll(full)
  for (int lane = 0; lane < lanes; lane++) result[lane] = value;
  return result;
}

/// Unit strips hold up to 13 vectors in registers.
constexpr int32_t stripVectors = 13;
constexpr int32_t widestStrip = stripVectors * lanes;

/// hidden[strip] += sum of value * weights[feature][strip] over the entries
/// begin..<end; N vectors, the last at lane `last`.
template <int N>
void forward_strip(const float *weights, int32_t units, int32_t last,
                   const uint16_t *features, const float *values,
                   int32_t begin, int32_t end, float *hidden) {
  Vector sums[N];
#pragma clang loop unroll(full)
  for (int i = 0; i < N - 1; i++) sums[i] = load(hidden + lanes * i);
  sums[N - 1] = load(hidden + last);
  for (int32_t entry = begin; entry < end; entry++) {
    const float *row = weights + int64_t(features[entry]) * units;
    const Vector value = broadcast(values[entry]);
#pragma clang loop unroll(full)
    for (int i = 0; i < N - 1; i++) sums[i] = fused(value, load(row + lanes * i), sums[i]);
    sums[N - 1] = fused(value, load(row + last), sums[N - 1]);
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < N - 1; i++) store(hidden + lanes * i, sums[i]);
  store(hidden + last, sums[N - 1]);
}

/// gradient[feature - first][strip] += value * delta[strip] over the
/// entries begin..<end: N vectors, gradient rows `stride` apart (a
/// multiple of the lanes, so with an aligned base every vector is aligned;
/// the lanes past the units are padding, see paddedUnits).
template <int N>
void gradient_strip(float *gradient, int32_t stride, int32_t first,
                    const uint16_t *features, const float *values, int32_t begin,
                    int32_t end, const float *delta) {
  Vector deltas[N];
#pragma clang loop unroll(full)
  for (int i = 0; i < N; i++) deltas[i] = load(delta + lanes * i);
  for (int32_t entry = begin; entry < end; entry++) {
    float *row = gradient + int64_t(features[entry] - first) * stride;
    const Vector value = broadcast(values[entry]);
#pragma clang loop unroll(full)
    for (int i = 0; i < N; i++) store(row + lanes * i, fused(value, deltas[i], load(row + lanes * i)));
  }
}

typedef void (*ForwardStrip)(const float *, int32_t, int32_t, const uint16_t *,
                             const float *, int32_t, int32_t, float *);
typedef void (*GradientStrip)(float *, int32_t, int32_t, const uint16_t *, const float *,
                              int32_t, int32_t, const float *);

const ForwardStrip forwardStrips[stripVectors] = {
    forward_strip<1>, forward_strip<2>,  forward_strip<3>,  forward_strip<4>,
    forward_strip<5>, forward_strip<6>,  forward_strip<7>,  forward_strip<8>,
    forward_strip<9>, forward_strip<10>, forward_strip<11>, forward_strip<12>,
    forward_strip<13>};
const GradientStrip gradientStrips[stripVectors] = {
    gradient_strip<1>,  gradient_strip<2>,  gradient_strip<3>,  gradient_strip<4>,
    gradient_strip<5>,  gradient_strip<6>,  gradient_strip<7>,  gradient_strip<8>,
    gradient_strip<9>,  gradient_strip<10>, gradient_strip<11>, gradient_strip<12>,
    gradient_strip<13>};

/// The width of the strip starting at `start`: the rest of the units if
/// they fit in one strip, else 12 vectors (so the last strip, of one vector
/// and more, never has fewer than `lanes` units).
inline int32_t strip_width(int32_t units, int32_t start) {
  return units - start > widestStrip ? widestStrip - lanes : units - start;
}

/// Units rounded up to whole vectors: the row stride of the gradient
/// scratch and of the padded hidden deltas, whose rows are then aligned
/// like their base. A gradient row that straddles two cache lines in every
/// vector (400-byte rows) made the sparse gradient strips a third slower.
inline int32_t padded_units(int32_t units) { return (units + lanes - 1) / lanes * lanes; }

// Dense tiles, over blocks of denseBlock rows (FirstLayer.cpp).
constexpr int32_t tileRows = 3;
constexpr int32_t tileVectors = 4;

/// hidden[e][lanes] += sum over f of inputs[e][f] * weights[f][lanes] for E
/// examples (rows `input_stride` apart in `inputs`, `units` apart in
/// `hidden`) and NV vectors at the lane offsets `offsets`, f = 0 ..< rows
/// in order.
template <int E, int NV>
void dense_forward_tile(const float *inputs, int64_t input_stride, const float *weights,
                        int32_t units, const int32_t *offsets, int32_t rows,
                        float *hidden) {
  Vector sums[E][NV];
#pragma clang loop unroll(full)
  for (int e = 0; e < E; e++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) sums[e][v] = load(hidden + e * units + offsets[v]);
  }
  for (int32_t row = 0; row < rows; row++) {
    const float *weight_row = weights + int64_t(row) * units;
    Vector values[E];
#pragma clang loop unroll(full)
    for (int e = 0; e < E; e++) values[e] = broadcast(inputs[e * input_stride + row]);
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      const Vector weight = load(weight_row + offsets[v]);
#pragma clang loop unroll(full)
      for (int e = 0; e < E; e++) sums[e][v] = fused(values[e], weight, sums[e][v]);
    }
  }
#pragma clang loop unroll(full)
  for (int e = 0; e < E; e++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) store(hidden + e * units + offsets[v], sums[e][v]);
  }
}

/// gradient[f][lanes] += sum over e of inputs[e][f] * delta[e][lanes] for F
/// features (consecutive in `inputs` rows `input_stride` apart; rows of
/// `delta` and `gradient` `stride` apart) and NV vectors at the lane
/// offsets `offsets`, e = 0 ..< count in order.
template <int F, int NV>
void dense_gradient_tile(const float *inputs, int64_t input_stride, const float *delta,
                         int32_t stride, const int32_t *offsets, int32_t count,
                         float *gradient) {
  Vector sums[F][NV];
#pragma clang loop unroll(full)
  for (int f = 0; f < F; f++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) sums[f][v] = load(gradient + f * stride + offsets[v]);
  }
  for (int32_t row = 0; row < count; row++) {
    const float *delta_row = delta + int64_t(row) * stride;
    const float *input_row = inputs + int64_t(row) * input_stride;
    Vector values[F];
#pragma clang loop unroll(full)
    for (int f = 0; f < F; f++) values[f] = broadcast(input_row[f]);
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      const Vector deltas = load(delta_row + offsets[v]);
#pragma clang loop unroll(full)
      for (int f = 0; f < F; f++) sums[f][v] = fused(values[f], deltas, sums[f][v]);
    }
  }
#pragma clang loop unroll(full)
  for (int f = 0; f < F; f++) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) store(gradient + f * stride + offsets[v], sums[f][v]);
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

/// The lane offsets of the vectors covering `units` (`lanes` or more): 0,
/// lanes, ..., and units - lanes for a last part vector. Returns how many.
int32_t vector_offsets(int32_t units, int32_t *offsets) {
  int32_t count = 0;
  for (int32_t lane = 0; lane + lanes <= units; lane += lanes) offsets[count++] = lane;
  if (units % lanes != 0) offsets[count++] = units - lanes;
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
  return left < tileVectors ? left : tileVectors;
}

/// Hidden rows first_row ..< end_row += their dense inputs times the dense
/// weight rows, feature block by block (units >= lanes).
void dense_forward(const float *inputs, int32_t dense, const float *weights,
                   int32_t units, int32_t first_row, int32_t end_row, float *hidden) {
  int32_t offsets[4096 / lanes + 1];
  const int32_t vectors = vector_offsets(units, offsets);
  for (int32_t first = 0; first < dense; first += denseBlock) {
    const int32_t rows = std::min(denseBlock, dense - first);
    for (int32_t row = first_row; row < end_row; row += tileRows) {
      const int32_t examples = std::min(tileRows, end_row - row);
      for (int32_t vector = 0, width = 0; vector < vectors; vector += width) {
        width = tile_width(vectors, vector);
        denseForwardTiles[examples - 1][width - 1](
            inputs + int64_t(row) * dense + first, dense,
            weights + int64_t(first) * units, units, offsets + vector, rows,
            hidden + int64_t(row) * units);
      }
    }
  }
}

/// gradient rows (features first ..< end of the dense part, from row 0 of
/// `gradient`, padded_units apart) = sum over the batch of dense inputs
/// times the padded hidden deltas (units >= lanes).
void dense_gradient(const float *inputs, int32_t dense, const float *delta,
                    int32_t units, int32_t count, int32_t first, int32_t end,
                    float *gradient) {
  const int32_t stride = padded_units(units);
  std::fill(gradient, gradient + int64_t(end - first) * stride, 0.0f);
  int32_t offsets[4096 / lanes + 1];
  const int32_t vectors = vector_offsets(stride, offsets);
  for (int32_t vector = 0, width = 0; vector < vectors; vector += width) {
    width = tile_width(vectors, vector);
    for (int32_t feature = first; feature < end; feature += tileRows) {
      const int32_t features = std::min(tileRows, end - feature);
      denseGradientTiles[features - 1][width - 1](
          inputs + feature, dense, delta, stride, offsets + vector, count,
          gradient + int64_t(feature - first) * stride);
    }
  }
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

/// adam_range on `rows` rows of `units` parameters, their gradient rows
/// padded_units apart.
void adam_rows(float *weights, float *mean, float *square_mean, const float *gradient,
               int32_t rows, int32_t units, float rate, float keep1, float keep2,
               float epsilon) {
  const int32_t stride = padded_units(units);
  for (int32_t row = 0; row < rows; row++) {
    const int64_t offset = int64_t(row) * units;
    adam_range(weights + offset, mean + offset, square_mean + offset,
               gradient + int64_t(row) * stride, units, rate, keep1, keep2, epsilon);
  }
}

/// The forward pass of the batch rows first_row ..< end_row (see
/// headmath_training_forward; units >= lanes).
void forward_rows(const headmath_training_batch *batch, const float *weights,
                  const float *bias, int32_t units, float *dense_inputs, float *hidden,
                  int32_t first_row, int32_t end_row) {
  const int32_t dense = batch->dense_count;
  const int32_t blocks = sparse_block_count(batch);
  start_rows(batch, bias, units, dense_inputs, hidden, first_row, end_row);
  dense_forward(dense_inputs, dense, weights, units, first_row, end_row, hidden);

  for (int32_t block_index = 0; block_index < blocks; block_index++) {
    for (int32_t row = first_row; row < end_row; row++) {
      const int32_t *starts =
          batch->block_starts + int64_t(batch->selection[row]) * (blocks + 1);
      const int32_t begin = starts[block_index];
      const int32_t end = starts[block_index + 1];
      float *output = hidden + int64_t(row) * units;
      for (int32_t start = 0, width = 0; start < units; start += width) {
        width = strip_width(units, start);
        forwardStrips[(width + lanes - 1) / lanes - 1](
            weights + start, units, width - lanes, batch->features, batch->values,
            begin, end, output + start);
      }
    }
  }

  for (int64_t index = int64_t(first_row) * units; index < int64_t(end_row) * units;
       index++) {
    if (hidden[index] < 0) hidden[index] = 0;
  }
}

/// The gradient and Adam step of one part (see StepPart; units >= lanes).
/// `hidden_delta`: the batch's deltas, padded_units apart (zero padding);
/// `gradient`: block x padded_units floats, aligned to the vectors.
void step_part(const headmath_training_batch *batch, const float *dense_inputs,
               const float *hidden_delta, int32_t units, float *weights,
               float *first_moment, float *second_moment, float rate, float keep1,
               float keep2, float epsilon, float *gradient, const StepPart &part) {
  const int32_t count = batch->selection_count;
  const int32_t stride = padded_units(units);
  if (part.sparse_block < 0) {
    dense_gradient(dense_inputs, batch->dense_count, hidden_delta, units, count,
                   part.first, part.end, gradient);
  } else {
    // The gradient of this block's rows, example by example.
    const int32_t blocks = sparse_block_count(batch);
    std::fill(gradient, gradient + int64_t(part.end - part.first) * stride, 0.0f);
    for (int32_t row = 0; row < count; row++) {
      const int32_t *starts =
          batch->block_starts + int64_t(batch->selection[row]) * (blocks + 1);
      const int32_t begin = starts[part.sparse_block];
      const int32_t end = starts[part.sparse_block + 1];
      const float *delta = hidden_delta + int64_t(row) * stride;
      for (int32_t start = 0, width = 0; start < stride; start += width) {
        width = strip_width(stride, start);
        gradientStrips[width / lanes - 1](gradient + start, stride, part.first,
                                          batch->features, batch->values, begin, end,
                                          delta + start);
      }
    }
  }
  // Adam on the part's rows while they are in the cache.
  const int64_t offset = int64_t(part.first) * units;
  adam_rows(weights + offset, first_moment + offset, second_moment + offset, gradient,
            part.end - part.first, units, rate, keep1, keep2, epsilon);
}
