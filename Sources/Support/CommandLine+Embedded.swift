#if hasFeature(Embedded)
import CShims

/// The command-line words in the Embedded build, whose standard library has
/// no `CommandLine` on a `none` triple. The host build uses the standard
/// library's `CommandLine`; this one answers the same `arguments` question
/// from the argv that `shim_argument` saved before `main`.
public enum CommandLine {
  public static let arguments: [String] = {
    var words: [String] = []
    let count = Int(shim_argument_count())
    words.reserveCapacity(count)
    for index in 0..<count {
      guard let word = shim_argument(Int32(index)) else { break }
      words.append(String(cString: word))
    }
    return words
  }()
}
#endif
