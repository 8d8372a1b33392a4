"""Fits teachpad's dense head in TF Keras on activations exported by
`teachpad train/eval --save-dataset` and prints the fit time and the test
accuracy. Same layers, initializers, optimizer and hyperparameters as
teachpad's defaults (see Sources/Learning/DenseHead+Training.swift).

usage: fit.py TRAIN.tpds TEST.tpds [--repeats N]
"""
import struct
import sys
import time

import numpy as np

SCALE = 0.0235284772  # the cut's uint8 step (zero point 0)


def load(path):
    """Reads a teachpad dataset file: 'TPDS', version, shape, classes,
    count, labels, activations, CRC-32."""
    data = open(path, "rb").read()
    if data[:4] != b"TPDS":
        raise SystemExit(f"{path}: not a teachpad dataset file")
    version, height, width, channels, classes, count = struct.unpack_from("<6I", data, 4)
    if version != 1:
        raise SystemExit(f"{path}: dataset version {version}, expected 1")
    offset = 28
    labels = np.frombuffer(data, np.uint8, count, offset).astype(np.int64)
    offset += count
    size = height * width * channels
    activations = np.frombuffer(data, np.uint8, count * size, offset)
    activations = activations.reshape(count, height, width, channels)
    return activations.astype(np.float32) * np.float32(SCALE), labels, classes


def build(tf, shape, classes, units, seed):
    scaling = lambda s: tf.keras.initializers.VarianceScaling(
        scale=1.0, mode="fan_in", distribution="truncated_normal", seed=s)
    return tf.keras.Sequential([
        tf.keras.Input(shape=shape),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(units, activation="relu",
                              kernel_initializer=scaling(seed), use_bias=True),
        tf.keras.layers.Dense(classes, activation="softmax",
                              kernel_initializer=scaling(seed + 1), use_bias=False),
    ])


def main():
    train_path, test_path = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3
    import tensorflow as tf

    x_train, y_train, classes = load(train_path)
    x_test, y_test, _ = load(test_path)
    y_train_hot = tf.keras.utils.to_categorical(y_train, classes)
    batch = int(len(x_train) * 0.4)

    times, processor_times, accuracies = [], [], []
    for repeat in range(repeats):
        tf.keras.utils.set_random_seed(repeat + 1)
        model = build(tf, x_train.shape[1:], classes, 100, repeat + 1)
        model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.0001),
                      loss="categorical_crossentropy")
        start = time.perf_counter()
        start_processor = time.process_time()
        history = model.fit(x_train, y_train_hot, batch_size=batch, epochs=20,
                            shuffle=True, verbose=0)
        times.append(time.perf_counter() - start)
        processor_times.append(time.process_time() - start_processor)
        predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
        accuracies.append(float(np.mean(predicted == y_test)))
        print(f"keras run {repeat + 1}: fit {times[-1] * 1000:.1f} ms "
              f"(processor {processor_times[-1] * 1000:.1f} ms), "
              f"final loss {history.history['loss'][-1]:.4f}, "
              f"accuracy {accuracies[-1]:.3f}", file=sys.stderr)

    print(f"keras_fit_ms {sorted(times)[len(times) // 2] * 1000:.1f}")
    print(f"keras_processor_ms {sorted(processor_times)[len(times) // 2] * 1000:.1f}")
    print(f"keras_accuracy {sorted(accuracies)[len(accuracies) // 2]:.3f}")
    print(f"keras_version {tf.__version__}")


if __name__ == "__main__":
    main()
