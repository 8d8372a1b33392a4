/// The console simulator's game: a Pacman maze where each received
/// direction moves Pacman one cell, eating the dot there. Walls stop him.
/// When every dot is eaten the dots come back.
public struct ConsoleMaze {
  public static let layout = [
    "###################",
    "#........#........#",
    "#.##.###.#.###.##.#",
    "#.................#",
    "#.##.#.#####.#.##.#",
    "#....#...#...#....#",
    "####.### # ###.####",
    "#........P........#",
    "#.##.###.#.###.##.#",
    "#..#.....#.....#..#",
    "##.#.#.#####.#.#.##",
    "#....#...#...#....#",
    "#.######.#.######.#",
    "#.................#",
    "###################",
  ]

  /// Rows of cells: `#` wall, `.` dot, ` ` eaten.
  private var cells: [[UInt8]]
  public private(set) var row: Int
  public private(set) var column: Int
  public private(set) var score = 0
  /// Moves into a wall.
  public private(set) var blockedCount = 0

  public init() {
    cells = Self.layout.map { Array($0.utf8) }
    row = 0
    column = 0
    for (rowIndex, line) in cells.enumerated() {
      if let found = line.firstIndex(of: UInt8(ascii: "P")) {
        row = rowIndex
        column = found
        cells[rowIndex][found] = UInt8(ascii: " ")
      }
    }
  }

  /// Moves one cell; false when a wall is in the way.
  @discardableResult
  public mutating func move(_ direction: Direction) -> Bool {
    var (nextRow, nextColumn) = (row, column)
    switch direction {
    case .up: nextRow -= 1
    case .down: nextRow += 1
    case .left: nextColumn -= 1
    case .right: nextColumn += 1
    }
    guard cells[nextRow][nextColumn] != UInt8(ascii: "#") else {
      blockedCount += 1
      return false
    }
    row = nextRow
    column = nextColumn
    if cells[row][column] == UInt8(ascii: ".") {
      cells[row][column] = UInt8(ascii: " ")
      score += 10
      if !cells.contains(where: { $0.contains(UInt8(ascii: ".")) }) { refill() }
    }
    return true
  }

  /// The maze as lines of text, Pacman as `C`.
  public var lines: [String] {
    cells.enumerated().map { rowIndex, line in
      var copy = line
      if rowIndex == row { copy[column] = UInt8(ascii: "C") }
      return String(decoding: copy, as: UTF8.self)
    }
  }

  private mutating func refill() {
    let fresh = Self.layout.map { Array($0.utf8) }
    for rowIndex in cells.indices {
      for columnIndex in cells[rowIndex].indices
      where fresh[rowIndex][columnIndex] == UInt8(ascii: ".") {
        cells[rowIndex][columnIndex] = UInt8(ascii: ".")
      }
    }
  }
}
