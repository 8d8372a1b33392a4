/// Places every activation tensor of a graph at an offset in one arena.
///
/// Steps:
/// 1. Each tensor lives from the layer that writes it (the graph input:
///    from before the first layer) to the last layer that reads it (the
///    graph output: to the end).
/// 2. The lower bound is the largest total size of tensors alive during
///    any one layer; no plan can be smaller.
/// 3. Tensors are placed one by one at the lowest offset that overlaps no
///    already placed tensor whose lifetime overlaps theirs. Two orders are
///    tried (largest first; first used first) and the smaller plan kept.
///
/// Not guaranteed: that the plan meets the lower bound for every graph
/// (placement is NP-hard in general). For chains such as MobileNet it does,
/// and a test holds it to that.
public struct ArenaPlan {
  public struct Placement {
    public let tensor: Int
    public let offset: Int
    public let byteCount: Int
    /// Layer positions (0-based, -1 = before the first) of first and last use.
    public let firstUse: Int
    public let lastUse: Int
  }

  public let placements: [Placement]
  public let arenaByteCount: Int
  public let lowerBoundByteCount: Int

  public func offset(of tensor: Int) -> Int? {
    placements.first { $0.tensor == tensor }?.offset
  }

  /// `sizes[t]` is tensor t's byte count; `layers` gives (input, output)
  /// tensors in execution order.
  public init(layers: [(input: Int, output: Int)], graphInput: Int,
              graphOutput: Int, sizes: [Int: Int]) {
    var firstUse: [Int: Int] = [graphInput: -1]
    var lastUse: [Int: Int] = [graphInput: -1]
    for (position, layer) in layers.enumerated() {
      if firstUse[layer.output] == nil { firstUse[layer.output] = position }
      lastUse[layer.output] = max(lastUse[layer.output] ?? position, position)
      lastUse[layer.input] = max(lastUse[layer.input] ?? position, position)
    }
    lastUse[graphOutput] = layers.count

    var candidates: [Placement] = []
    for (tensor, first) in firstUse {
      candidates.append(Placement(tensor: tensor, offset: 0,
                                  byteCount: sizes[tensor] ?? 0,
                                  firstUse: first,
                                  lastUse: lastUse[tensor] ?? first))
    }

    var bound = 0
    for step in -1...layers.count {
      var alive = 0
      for tensor in candidates
      where tensor.firstUse <= step && step <= tensor.lastUse {
        alive += tensor.byteCount
      }
      bound = max(bound, alive)
    }
    lowerBoundByteCount = bound

    let bySize = candidates.sorted {
      ($0.byteCount, -$0.firstUse, $0.tensor) > ($1.byteCount, -$1.firstUse, $1.tensor)
    }
    let byFirstUse = candidates.sorted {
      ($0.firstUse, $0.tensor) < ($1.firstUse, $1.tensor)
    }
    let first = ArenaPlan.place(bySize)
    let second = ArenaPlan.place(byFirstUse)
    let best = first.size <= second.size ? first : second
    placements = best.placements.sorted { $0.firstUse < $1.firstUse }
    arenaByteCount = best.size
  }

  private static func place(_ order: [Placement])
    -> (placements: [Placement], size: Int)
  {
    var placed: [Placement] = []
    var size = 0
    for tensor in order {
      let conflicts = placed.filter {
        $0.firstUse <= tensor.lastUse && tensor.firstUse <= $0.lastUse
      }.sorted { $0.offset < $1.offset }
      var offset = 0
      for other in conflicts {
        if offset + tensor.byteCount <= other.offset { break }
        offset = max(offset, other.offset + other.byteCount)
      }
      placed.append(Placement(tensor: tensor.tensor, offset: offset,
                              byteCount: tensor.byteCount,
                              firstUse: tensor.firstUse,
                              lastUse: tensor.lastUse))
      size = max(size, offset + tensor.byteCount)
    }
    return (placed, size)
  }
}
