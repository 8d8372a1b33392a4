import Inference
import Support

/// `teachpad inspect MODEL [--tensor NAME]`: the operator table and the
/// arena plan.
enum InspectCommand {
  static let summary = "list a model's operators and its arena plan"
  static let help = """
    usage: teachpad inspect [MODEL | --model MODEL] [--tensor NAME]

    Prints each operator (index, type, tensors, shapes, quantization) up to
    the cut tensor, then the arena plan and its lower bound.

      --tensor NAME   where to cut: default the 7x7x256 cut that infer,
                      bench and the appliance use
                      (MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6);
                      MobilenetV1/Predictions/Reshape_1 for the whole model
      MODEL           else $TEACHPAD_MODEL, else the installed model

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    do throws(UsageError) {
      var options = try Options(words)
      let tensor = options.string("tensor") ?? Engine.defaultCutTensorName
      let modelOption = options.string("model")
      try options.rejectUnknown(allowingOperands: true)
      guard options.operands.count <= 1,
            modelOption == nil || options.operands.isEmpty else {
        throw UsageError(message: "inspect takes one model file, got "
                         + "\(options.operands.count + (modelOption == nil ? 0 : 1))")
      }
      let engine = try ModelLoading.engine(
        modelOption: options.operands.first ?? modelOption, tensor: tensor,
        threads: 1).get()
      writeStandardOutput(report(engine))
      return 0
    } catch {
      return fail(error)
    }
  }

  static func report(_ engine: Engine) -> String {
    let graph = engine.graph
    let model = graph.model
    var text = "model: \(model.tensors.count) tensors, "
      + "\(model.operators.count) operators; running \(graph.layers.count) "
      + "up to tensor \(graph.outputTensor) '\(model.tensors[graph.outputTensor].name)'\n\n"
    text += "op  type                 input -> output            in shape            out shape           quantization (in -> out)\n"
    var macs = 0
    for layer in graph.layers {
      let input = model.tensors[layer.inputTensor]
      let output = model.tensors[layer.outputTensor]
      macs += layer.multiplyAccumulates
      text += pad(String(layer.operatorIndex), 4)
      text += pad(layer.typeName, 21)
      text += pad("#\(layer.inputTensor) -> #\(layer.outputTensor)", 27)
      text += pad(shapeText(input.shape), 20)
      text += pad(shapeText(output.shape), 20)
      text += quantization(input) + " -> " + quantization(output) + "\n"
    }
    text += "\nmultiply-accumulates per inference: \(macs)\n\n"
    text += "arena plan (offset, bytes, tensor, alive during layers):\n"
    for placement in engine.plan.placements {
      let name = model.tensors[placement.tensor].name
      text += "  " + pad(String(placement.offset), 9)
        + pad(String(placement.byteCount), 9)
        + pad("#\(placement.tensor)", 6)
        + pad("\(placement.firstUse)...\(placement.lastUse)", 10) + name + "\n"
    }
    text += "arena: \(engine.plan.arenaByteCount) bytes; lower bound (most "
      + "bytes alive at once): \(engine.plan.lowerBoundByteCount) bytes\n"
    return text
  }

  static func quantization(_ tensor: ModelFile.Tensor) -> String {
    guard let scale = tensor.scale else { return tensor.type.name }
    var message = LogMessage()
    message.append(Double(scale), fractionDigits: 10)
    var digits = ""
    message.withBytes { digits = String(decoding: $0, as: UTF8.self) }
    return "\(tensor.type.name) s=\(digits) z=\(tensor.zeroPoint ?? 0)"
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " "
      : text + String(repeating: " ", count: width - text.count)
  }
}
