import Board
import XCTest

final class RetryScheduleTests: XCTestCase {
  func testDelaysDoubleUpToTheMaximumAndNeverStop() {
    var schedule = RetrySchedule(initialDelayNanoseconds: 250,
                                 maximumDelayNanoseconds: 5000)
    var delays: [Int64] = []
    var now: Int64 = 1000
    for _ in 0..<8 {
      schedule.failed(now: now)
      delays.append(schedule.nextAttemptNanoseconds - now)
      now = schedule.nextAttemptNanoseconds
    }

    XCTAssertEqual(delays, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000])
    XCTAssertEqual(schedule.failureCount, 8)
  }

  func testAttemptIsDueOnlyFromTheScheduledTime() {
    var schedule = RetrySchedule(initialDelayNanoseconds: 100,
                                 maximumDelayNanoseconds: 100)
    XCTAssertTrue(schedule.isDue(now: 0))

    schedule.failed(now: 50)

    XCTAssertFalse(schedule.isDue(now: 149))
    XCTAssertTrue(schedule.isDue(now: 150))
  }

  func testSuccessStartsTheDelaysOver() {
    var schedule = RetrySchedule(initialDelayNanoseconds: 10,
                                 maximumDelayNanoseconds: 1000)
    schedule.failed(now: 0)
    schedule.failed(now: 10)
    schedule.failed(now: 30)

    schedule.succeeded()
    schedule.failed(now: 100)

    XCTAssertEqual(schedule.nextAttemptNanoseconds, 110)
    XCTAssertEqual(schedule.failureCount, 1)
  }
}
