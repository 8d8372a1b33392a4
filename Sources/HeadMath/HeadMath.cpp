// The dense head's arithmetic. Armadillo matrices wrap the caller's memory
// (no copies, no allocation); Armadillo is column-major, so a row-major
// a x b buffer from Swift is a b x a matrix here, and the formulas below are
// written on those transposes. The sparse first layer of prediction is a
// loop over the example's nonzero features only; training's blocked
// kernels are in FirstLayer.cpp.
#define ARMA_NO_DEBUG
#include "HeadMath.h"

#include <armadillo>
#include <cmath>
#include <dlfcn.h>
#include <limits>

namespace {

using arma::fmat;
using arma::fvec;

/// A view of caller memory as a rows x columns matrix.
fmat view(float *data, int64_t rows, int64_t columns) {
  return fmat(data, arma::uword(rows), arma::uword(columns), false, true);
}

fmat view(const float *data, int64_t rows, int64_t columns) {
  return view(const_cast<float *>(data), rows, columns);
}

/// target += scale * source over `count` floats.
inline void add_scaled(float *__restrict target,
                       const float *__restrict source, float scale,
                       int32_t count) {
  for (int32_t index = 0; index < count; index++) {
    target[index] += scale * source[index];
  }
}

/// OpenBLAS, the BLAS behind Armadillo on Debian and Raspberry Pi OS,
/// starts a thread per processor when it loads, and they spin on
/// sched_yield for about 0.1 s after start and after every call. The
/// head's products are small (a batch times 100 units), and training's own
/// threads need the processors, so BLAS runs on the calling thread and its
/// threads are stopped. Looked up by name: another BLAS has no such calls
/// and needs none.
__attribute__((constructor)) void single_threaded_blas() {
  typedef void (*SetThreadCount)(int);
  typedef int (*Shutdown)(void);
  if (void *set = dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
    reinterpret_cast<SetThreadCount>(set)(1);
    if (void *shutdown = dlsym(RTLD_DEFAULT, "blas_thread_shutdown_")) {
      reinterpret_cast<Shutdown>(shutdown)();
    }
  }
}

}  // namespace

extern "C" void headmath_hidden_forward(const headmath_batch *batch,
                                        const float *first_weights,
                                        const float *first_bias,
                                        int32_t units, float *hidden) {
  for (int32_t row = 0; row < batch->selection_count; row++) {
    const int32_t example = batch->selection[row];
    float *output = hidden + int64_t(row) * units;
    for (int32_t unit = 0; unit < units; unit++) output[unit] = first_bias[unit];

    for (int32_t entry = batch->offsets[example];
         entry < batch->offsets[example + 1]; entry++) {
      const float *weights =
          first_weights + int64_t(batch->features[entry]) * units;
      add_scaled(output, weights, batch->values[entry], units);
    }

    for (int32_t unit = 0; unit < units; unit++) {
      if (output[unit] < 0) output[unit] = 0;
    }
  }
}

extern "C" void headmath_output_forward(const float *hidden,
                                        int32_t example_count, int32_t units,
                                        const float *second_weights,
                                        int32_t classes,
                                        float *probabilities) {
  const fmat hidden_t = view(hidden, units, example_count);
  const fmat weights_t = view(second_weights, classes, units);
  fmat logits_t = view(probabilities, classes, example_count);
  logits_t = weights_t * hidden_t;

  // Softmax per example, shifted by the largest logit so exp cannot overflow.
  for (int32_t row = 0; row < example_count; row++) {
    float *logits = probabilities + int64_t(row) * classes;
    float largest = logits[0];
    for (int32_t c = 1; c < classes; c++) largest = std::max(largest, logits[c]);
    float total = 0;
    for (int32_t c = 0; c < classes; c++) {
      logits[c] = std::exp(logits[c] - largest);
      total += logits[c];
    }
    for (int32_t c = 0; c < classes; c++) logits[c] /= total;
  }
}

extern "C" float headmath_cross_entropy(const float *probabilities,
                                        const int32_t *labels,
                                        int32_t example_count,
                                        int32_t classes) {
  const double floor = 1e-7;
  double total = 0;
  for (int32_t row = 0; row < example_count; row++) {
    double chosen = probabilities[int64_t(row) * classes + labels[row]];
    chosen = std::min(std::max(chosen, floor), 1 - floor);
    total -= std::log(chosen);
  }
  return float(total / example_count);
}

extern "C" void headmath_backward(
    const headmath_batch *batch, int32_t count, const float *hidden,
    const float *probabilities, const int32_t *labels, int32_t units,
    int32_t classes, int32_t feature_count, const float *second_weights,
    float *output_delta, float *hidden_delta, float *first_weights_gradient,
    float *first_bias_gradient, float *second_weights_gradient) {
  // d loss / d logits of the mean cross-entropy through softmax: (p - y) / n.
  const fmat probabilities_t = view(probabilities, classes, count);
  fmat output_delta_t = view(output_delta, classes, count);
  output_delta_t = probabilities_t;
  for (int32_t row = 0; row < count; row++) output_delta_t(labels[row], row) -= 1;
  output_delta_t /= float(count);

  // Second layer: dW2^T = dZ^T h, and the delta flowing back into h.
  const fmat hidden_t = view(hidden, units, count);
  const fmat weights_t = view(second_weights, classes, units);
  fmat second_gradient_t = view(second_weights_gradient, classes, units);
  second_gradient_t = output_delta_t * hidden_t.t();
  fmat hidden_delta_t = view(hidden_delta, units, count);
  hidden_delta_t = weights_t.t() * output_delta_t;

  // ReLU passes the delta only where the unit was active.
  for (int64_t index = 0; index < int64_t(units) * count; index++) {
    if (hidden[index] <= 0) hidden_delta[index] = 0;
  }

  fvec bias_gradient(first_bias_gradient, arma::uword(units), false, true);
  bias_gradient.zeros();
  for (int32_t row = 0; row < count; row++) bias_gradient += hidden_delta_t.col(row);

  // First layer (the reference the fused step is tested against): zero,
  // then scatter each example's nonzeros.
  if (first_weights_gradient == nullptr) return;
  for (int64_t index = 0; index < int64_t(feature_count) * units; index++) {
    first_weights_gradient[index] = 0;
  }
  for (int32_t row = 0; row < count; row++) {
    const int32_t example = batch->selection[row];
    for (int32_t entry = batch->offsets[example]; entry < batch->offsets[example + 1];
         entry++) {
      add_scaled(first_weights_gradient + int64_t(batch->features[entry]) * units,
                 hidden_delta + int64_t(row) * units, batch->values[entry], units);
    }
  }
}

namespace {

/// sqrt(1 - beta2^step) / (1 - beta1^step), Adam's bias correction.
double adam_correction(float beta1, float beta2, int64_t step) {
  return std::sqrt(1.0 - std::pow(double(beta2), double(step))) /
         (1.0 - std::pow(double(beta1), double(step)));
}

}  // namespace

extern "C" void headmath_adam_step(float *parameters, const float *gradients,
                                   float *first_moment, float *second_moment,
                                   int64_t count, float learning_rate,
                                   float beta1, float beta2, float epsilon,
                                   int64_t step) {
  fvec values(parameters, arma::uword(count), false, true);
  const fvec gradient(const_cast<float *>(gradients), arma::uword(count), false,
                      true);
  fvec mean(first_moment, arma::uword(count), false, true);
  fvec square_mean(second_moment, arma::uword(count), false, true);

  const float rate =
      float(double(learning_rate) * adam_correction(beta1, beta2, step));

  mean += (gradient - mean) * (1 - beta1);
  square_mean += (arma::square(gradient) - square_mean) * (1 - beta2);
  values -= rate * mean / (arma::sqrt(square_mean) + epsilon);
}

extern "C" int32_t headmath_sparse_row(const uint8_t *activation,
                                       int32_t count, float scale,
                                       uint16_t *features, float *values) {
  int32_t found = 0;
  for (int32_t index = 0; index < count; index++) {
    if (activation[index] == 0) continue;
    features[found] = uint16_t(index);
    values[found] = scale * float(activation[index]);
    found++;
  }
  return found;
}

namespace {

/// Sum of a[i] * b[i]. At most 12544 * 255 * 255 = 815,673,600 for the cut,
/// and in general count * 65025, which fits int64 for any count here.
inline int64_t dot_uint8(const uint8_t *a, const uint8_t *b, int32_t count) {
  // Blocks of 4096 keep every partial sum below 4096 * 65025 < 2^31.
  int64_t total = 0;
  for (int32_t start = 0; start < count; start += 4096) {
    const int32_t end = std::min(count, start + 4096);
    int32_t partial = 0;
    for (int32_t index = start; index < end; index++) {
      partial += int32_t(a[index]) * int32_t(b[index]);
    }
    total += partial;
  }
  return total;
}

}  // namespace

extern "C" float headmath_uint8_norm(const uint8_t *vector, int32_t count) {
  return float(std::sqrt(double(dot_uint8(vector, vector, count))));
}

extern "C" void headmath_cosine_scores(const uint8_t *query,
                                       const uint8_t *examples,
                                       int32_t example_count,
                                       int32_t feature_count,
                                       const float *norms, float *scores) {
  const double query_norm = headmath_uint8_norm(query, feature_count);
  for (int32_t example = 0; example < example_count; example++) {
    const double denominator = query_norm * double(norms[example]);
    if (denominator == 0) {
      scores[example] = 0;
      continue;
    }
    const int64_t dot = dot_uint8(
        query, examples + int64_t(example) * feature_count, feature_count);
    scores[example] = float(double(dot) / denominator);
  }
}
