import CShims
import XCTest

/// Default thread counts: the affinity mask, then the cgroup's CPU quota.
final class ProcessorCountTests: XCTestCase {
  func testCpuMaxTextsRoundUpToWholeProcessors() {
    XCTAssertEqual(shim_cpu_max_limit("max 100000\n"), 0)
    XCTAssertEqual(shim_cpu_max_limit("150000 100000\n"), 2)
    XCTAssertEqual(shim_cpu_max_limit("100000 100000"), 1)
    XCTAssertEqual(shim_cpu_max_limit("50000 100000"), 1)
    XCTAssertEqual(shim_cpu_max_limit("400000 100000"), 4)
    XCTAssertEqual(shim_cpu_max_limit(""), 0)
    XCTAssertEqual(shim_cpu_max_limit("0 100000"), 0)
    XCTAssertEqual(shim_cpu_max_limit(nil), 0)
  }

  func testCountIsAtLeastOneAndAtMostTheOnlineProcessors() {
    let count = shim_processor_count()
    XCTAssertGreaterThanOrEqual(count, 1)
    XCTAssertLessThanOrEqual(Int(count), sysconf(Int32(_SC_NPROCESSORS_ONLN)))
  }
}
