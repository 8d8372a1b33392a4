"""Fits teachpad's dense head in TF Keras on activations exported by
`teachpad train/eval --save-dataset` and prints the fit time and the test
accuracy. Same layers, initializers, optimizer and hyperparameters as
teachpad's defaults (see Sources/Learning/DenseHead+Training.swift).

usage: fit.py TRAIN.tpds TEST.tpds

After loading TensorFlow and the data, and one untimed warm-up fit (so no
timed fit pays for the process's start-up), it reads seeds from standard
input, one per line, and answers each with one line:
"fit_ms PROCESSOR_MS ACCURACY FINAL_LOSS" for a fresh model fitted with
that seed. run.sh alternates these fits with teachpad's.
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


def fit(tf, x_train, y_train_hot, x_test, y_test, classes, seed):
    """One fresh model fitted with the seed: (ms, processor ms, accuracy, loss)."""
    tf.keras.utils.set_random_seed(seed)
    model = build(tf, x_train.shape[1:], classes, 100, seed)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.0001),
                  loss="categorical_crossentropy")
    batch = int(len(x_train) * 0.4)
    start = time.perf_counter()
    start_processor = time.process_time()
    history = model.fit(x_train, y_train_hot, batch_size=batch, epochs=20,
                        shuffle=True, verbose=0)
    elapsed = time.perf_counter() - start
    processor = time.process_time() - start_processor
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    accuracy = float(np.mean(predicted == y_test))
    return elapsed * 1000, processor * 1000, accuracy, history.history["loss"][-1]


def main():
    train_path, test_path = sys.argv[1], sys.argv[2]
    import tensorflow as tf

    x_train, y_train, classes = load(train_path)
    x_test, y_test, _ = load(test_path)
    y_train_hot = tf.keras.utils.to_categorical(y_train, classes)

    fit(tf, x_train, y_train_hot, x_test, y_test, classes, 1000)
    print(f"ready {tf.__version__}", flush=True)
    for line in sys.stdin:
        seed = int(line)
        ms, processor_ms, accuracy, loss = fit(
            tf, x_train, y_train_hot, x_test, y_test, classes, seed)
        print(f"{ms:.1f} {processor_ms:.1f} {accuracy:.3f} {loss:.4f}", flush=True)


if __name__ == "__main__":
    main()
