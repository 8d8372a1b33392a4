import ProbeC

// Strings, arrays, a class, C calls and a thread: prints one line that
// cross/arm-check.sh compares.
final class Counter {
  var total = 0
  func add(_ value: Int) { total += value }
}

let counter = Counter()
for value in [3, 4, 5] { counter.add(value) }
let threadSum = probe_sum_on_thread(100)
let machine = String(cString: probe_machine())
let words = ["probe", machine, String(counter.total), String(threadSum)]
var line = ""
for word in words { line += (line.isEmpty ? "" : " ") + word }
print(line)
