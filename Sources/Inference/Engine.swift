import CShims
import Support

/// Which kernels an engine runs.
public enum KernelChoice {
  /// Vectorized, multi-threaded, exact to the reference; pointwise
  /// convolutions in integer dot products where the processor has them.
  case optimized
  /// The same without the AVX-512 kernels (float accumulation, 8 lanes),
  /// as on processors that lack them, such as the Pi's Cortex-A72.
  case optimizedFloat
  /// The plain reference kernels on one thread (for checking).
  case reference
}

/// A loaded model, cut at a tensor, with its arena planned and its
/// workers started. After `init`, `setInput` and `invoke` allocate nothing.
public final class Engine {
  /// The truncation tensor teachpad uses: 7x7x256 uint8.
  public static let defaultCutTensorName =
    "MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6"

  static let log = Logger("inference")

  public let graph: Graph
  public let plan: ArenaPlan
  public let threadCount: Int
  public let kernels: KernelChoice
  /// Input image size (the model's, e.g. 224x224x3).
  public let inputHeight: Int
  public let inputWidth: Int
  public let outputShape: [Int]

  let steps: [Step]
  /// Parts each stage (a step's phase) is cut into, in order.
  let stageParts: [Int]
  let arena: UnsafeMutablePointer<UInt8>
  let inputOffset: Int
  let outputOffset: Int
  let outputByteCount: Int
  let scratch: [UnsafeMutablePointer<Float>]
  let scratchFloatsPerThread: Int
  var pool: WorkerPool?
  let resizer: Resizer
  /// Per-layer time of the last timed run, nanoseconds (part 0's view).
  let layerNanoseconds: UnsafeMutablePointer<Int64>
  var timing = false

  /// Parses the model, cuts it at `outputTensorName` (nil: the whole
  /// model), plans the arena and starts `threadCount` workers (0: one per
  /// processor).
  public init(modelBytes: [UInt8], outputTensorName: String?,
              threadCount: Int = 0,
              kernels: KernelChoice = .optimized) throws(ModelError) {
    let model = try ModelFile(bytes: modelBytes)
    graph = try Graph(model: model, outputTensorName: outputTensorName)
    self.kernels = kernels
    let requestedThreads = threadCount > 0 ? threadCount
      : Int(shim_processor_count())
    self.threadCount = kernels == .reference ? 1 : min(requestedThreads, 64)

    let input = model.tensors[graph.inputTensor]
    guard input.shape.count == 4, input.shape[0] == 1, input.shape[3] == 3
    else {
      throw .unsupportedTensor(index: input.index, name: input.name, detail:
        "input shape \(shapeText(input.shape)); expected [1, height, width, 3]")
    }
    inputHeight = input.shape[1]
    inputWidth = input.shape[2]
    let output = model.tensors[graph.outputTensor]
    outputShape = output.shape
    outputByteCount = output.elementCount

    var sizes: [Int: Int] = [graph.inputTensor: input.elementCount]
    for layer in graph.layers {
      sizes[layer.outputTensor] = model.tensors[layer.outputTensor].elementCount
    }
    plan = ArenaPlan(layers: graph.layers.map { ($0.inputTensor, $0.outputTensor) },
                     graphInput: graph.inputTensor,
                     graphOutput: graph.outputTensor, sizes: sizes)
    arena = allocateAligned(UInt8.self, count: max(plan.arenaByteCount, 1))
    arena.initialize(repeating: 0, count: max(plan.arenaByteCount, 1))
    inputOffset = plan.offset(of: graph.inputTensor) ?? 0
    outputOffset = plan.offset(of: graph.outputTensor) ?? 0

    var steps: [Step] = []
    var scratchFloats = 64
    for layer in graph.layers {
      let step = Step(layer: layer, kernels: kernels,
                      inputOffset: plan.offset(of: layer.inputTensor) ?? 0,
                      outputOffset: plan.offset(of: layer.outputTensor) ?? 0)
      scratchFloats = max(scratchFloats, step.scratchFloats)
      steps.append(step)
    }
    self.steps = steps
    var stageParts: [Int] = []
    for step in steps {
      for _ in 0..<step.phaseCount {
        stageParts.append(step.partCount(threads: self.threadCount))
      }
    }
    self.stageParts = stageParts
    scratchFloatsPerThread = scratchFloats
    var scratch: [UnsafeMutablePointer<Float>] = []
    for _ in 0..<self.threadCount {
      let buffer = allocateAligned(Float.self, count: scratchFloats)
      buffer.initialize(repeating: 0, count: scratchFloats)
      scratch.append(buffer)
    }
    self.scratch = scratch
    resizer = Resizer(outputHeight: inputHeight, outputWidth: inputWidth)
    layerNanoseconds = UnsafeMutablePointer<Int64>.allocate(
      capacity: max(1, graph.layers.count))
    layerNanoseconds.initialize(repeating: 0, count: max(1, graph.layers.count))

    let wideLayers = steps.filter { $0.usesAVX512 }.count
    Engine.log.info("""
      \(graph.layers.count) layers to '\(output.name)', arena \
      \(plan.arenaByteCount) bytes (lower bound \(plan.lowerBoundByteCount)), \
      \(scratchFloats * 4 * self.threadCount) bytes of scratch, \
      threads: \(self.threadCount)\
      \(wideLayers > 0 ? ", \(wideLayers) layers on AVX-512 kernels" : "")
      """)
    if self.threadCount > 1 {
      do {
        pool = try WorkerPool(count: self.threadCount,
                              stageParts: stageParts) {
          [unowned(unsafe) self] thread, run in
          self.runThread(thread, run: run)
        }
      } catch {
        throw .threadsUnavailable(requested: self.threadCount, reason: error.reason)
      }
    }
  }

  deinit {
    pool?.stop()
    arena.deallocate()
    for buffer in scratch { buffer.deallocate() }
    layerNanoseconds.deallocate()
  }

  /// The input tensor's bytes (height x width x 3, RGB).
  public var input: UnsafeMutableBufferPointer<UInt8> {
    UnsafeMutableBufferPointer(start: arena + inputOffset,
                               count: inputHeight * inputWidth * 3)
  }

  /// The output tensor's bytes, valid until the next `invoke`.
  public var output: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: arena + outputOffset, count: outputByteCount)
  }

  /// Crops the centre square of an RGB frame (3 bytes a pixel, rows
  /// `bytesPerRow` apart), resizes it bilinearly to the model's input size
  /// and writes it into the input tensor.
  public func setInput(rgb pixels: UnsafeBufferPointer<UInt8>, width: Int,
                       height: Int, bytesPerRow: Int) {
    precondition(width > 0 && height > 0 && bytesPerRow >= width * 3
                 && pixels.count >= bytesPerRow * (height - 1) + width * 3,
                 "Engine.setInput: \(width)x\(height) frame, row \(bytesPerRow),"
                 + " \(pixels.count) bytes")
    resizer.resizeCentreSquare(pixels, width: width, height: height,
                               bytesPerRow: bytesPerRow,
                               into: arena + inputOffset)
  }

  /// Runs the graph from the input tensor to the output tensor.
  public func invoke() {
    if let pool {
      pool.run()
    } else {
      runAlone()
    }
  }

  /// Runs once and returns each layer's time in nanoseconds, measured on
  /// worker 0 from the end of one layer to the end of the next.
  public func invokeTimed(_ perLayer: inout [Int64]) {
    timing = true
    invoke()
    timing = false
    perLayer = (0..<steps.count).map { layerNanoseconds[$0] }
  }

  /// Runs one layer alone on bytes outside the arena (for checking a
  /// kernel against a per-layer dump).
  public func runLayer(_ position: Int, input: UnsafePointer<UInt8>,
                       output: UnsafeMutablePointer<UInt8>) {
    let step = steps[position]
    for phase in 0..<step.phaseCount {
      step.run(phase: phase, part: 0, parts: 1, input: input, output: output,
               scratch: scratch[0])
    }
  }

  /// One inference on the calling thread alone.
  private func runAlone() {
    var last = timing ? shim_monotonic_nanoseconds() : 0
    for (position, step) in steps.enumerated() {
      let input = UnsafePointer(arena + step.inputOffset)
      let output = arena + step.outputOffset
      for phase in 0..<step.phaseCount {
        step.run(phase: phase, part: 0, parts: 1, input: input,
                 output: output, scratch: scratch[0])
      }
      if timing {
        let now = shim_monotonic_nanoseconds()
        layerNanoseconds[position] = now - last
        last = now
      }
    }
  }

  /// Thread `thread`'s share of run `run`: every part it takes, stage by
  /// stage. Thread 0 (the caller) returns only when the last stage is
  /// done; a worker returns early if it finds a newer run begun.
  private func runThread(_ thread: Int, run: Int64) {
    guard let pool else { return }
    let timed = timing && thread == 0
    var last = timed ? shim_monotonic_nanoseconds() : 0
    var stage = 0
    for (position, step) in steps.enumerated() {
      let input = UnsafePointer(arena + step.inputOffset)
      let output = arena + step.outputOffset
      for phase in 0..<step.phaseCount {
        if stage > 0 && !pool.waitUntilDone(stage: stage - 1, run: run) {
          return
        }
        let parts = stageParts[stage]
        while let part = pool.take(stage: stage, run: run, thread: thread) {
          step.run(phase: phase, part: part, parts: parts, input: input,
                   output: output, scratch: scratch[thread])
          pool.finish(stage: stage)
        }
        stage += 1
      }
      if timed {
        // This layer's time: until its last stage is done, as seen here.
        _ = pool.waitUntilDone(stage: stage - 1, run: run)
        let now = shim_monotonic_nanoseconds()
        layerNanoseconds[position] = now - last
        last = now
      }
    }
    if thread == 0 {
      _ = pool.waitUntilDone(stage: stage - 1, run: run)
    }
  }
}

/// One layer bound to its kernel and arena offsets.
struct Step {
  enum Kernel {
    case convolution(FastConvolution)
    case depthwise(FastDepthwise)
    case referenceConvolution(ConvolutionParameters)
    case referenceDepthwise(DepthwiseParameters)
    case averagePool(AveragePoolParameters)
    case copy(Int)
    case softmax(SoftmaxParameters)
  }

  let kernel: Kernel
  let inputOffset: Int
  let outputOffset: Int

  init(layer: Layer, kernels: KernelChoice, inputOffset: Int,
       outputOffset: Int) {
    self.inputOffset = inputOffset
    self.outputOffset = outputOffset
    switch (layer.kind, kernels) {
    case (.convolution(let parameters), .optimized):
      kernel = .convolution(FastConvolution(parameters))
    case (.convolution(let parameters), .optimizedFloat):
      kernel = .convolution(FastConvolution(parameters, integerDot: false))
    case (.convolution(let parameters), .reference):
      kernel = .referenceConvolution(parameters)
    case (.depthwise(let parameters), .optimized):
      kernel = .depthwise(FastDepthwise(parameters))
    case (.depthwise(let parameters), .optimizedFloat):
      kernel = .depthwise(FastDepthwise(parameters, wide: false))
    case (.depthwise(let parameters), .reference):
      kernel = .referenceDepthwise(parameters)
    case (.averagePool(let parameters), _):
      kernel = .averagePool(parameters)
    case (.reshape(let byteCount), _):
      kernel = .copy(byteCount)
    case (.softmax(let parameters), _):
      kernel = .softmax(parameters)
    }
  }

  var phaseCount: Int {
    if case .convolution(let fast) = kernel { return fast.phaseCount }
    return 1
  }

  /// Whether this step runs AVX-512 kernels.
  var usesAVX512: Bool {
    switch kernel {
    case .convolution(let fast): return fast.layout == .pointwiseIntegerDot
    case .depthwise(let fast): return fast.wideRows != nil
    default: return false
    }
  }

  /// How many parts to cut this step's work into for `threads` threads.
  /// More parts than threads let a thread on a slower or busier core do
  /// fewer of them; but every depthwise part widens two input rows more
  /// than it writes, so depthwise layers get one part per thread (measured
  /// on 2 threads: two per thread made them 7 % slower in all, while one,
  /// two or four per thread for convolutions were within noise).
  func partCount(threads: Int) -> Int {
    guard threads > 1 else { return 1 }
    switch kernel {
    case .convolution: return 2 * threads
    case .depthwise: return threads
    default: return 1
    }
  }

  var scratchFloats: Int {
    switch kernel {
    case .convolution(let fast): return fast.scratchFloats
    case .depthwise(let fast): return fast.scratchFloats
    default: return 0
    }
  }

  @inline(__always)
  func run(phase: Int, part: Int, parts: Int, input: UnsafePointer<UInt8>,
           output: UnsafeMutablePointer<UInt8>,
           scratch: UnsafeMutablePointer<Float>) {
    switch kernel {
    case .convolution(let fast):
      fast.run(phase: phase, part: part, parts: parts, input: input,
               output: output, scratch: scratch)
    case .depthwise(let fast):
      fast.run(part: part, parts: parts, input: input, output: output,
               scratch: scratch)
    case .referenceConvolution(let parameters):
      if part == 0 {
        ReferenceKernels.convolution(parameters, input: input, output: output)
      }
    case .referenceDepthwise(let parameters):
      if part == 0 {
        ReferenceKernels.depthwise(parameters, input: input, output: output)
      }
    case .averagePool(let parameters):
      if part == 0 {
        ReferenceKernels.averagePool(parameters, input: input, output: output)
      }
    case .copy(let byteCount):
      if part == 0 && UnsafePointer(output) != input {
        output.update(from: input, count: byteCount)
      }
    case .softmax(let parameters):
      if part == 0 {
        ReferenceKernels.softmax(parameters, input: input, output: output)
      }
    }
  }
}
