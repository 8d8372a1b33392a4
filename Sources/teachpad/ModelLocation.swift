import CShims
import Support

/// Where the model file is: `--model`, else `$TEACHPAD_MODEL`, else the
/// path that `board/fetch-model.sh` fills.
enum ModelLocation {
  static let defaultPath = "/var/lib/teachpad/mobilenet_v1_0.25_224_quant.tflite"

  static func resolve(_ option: String?) -> String {
    if let option { return option }
    if let variable = getenv("TEACHPAD_MODEL") {
      let path = String(cString: variable)
      if !path.isEmpty { return path }
    }
    return defaultPath
  }
}
