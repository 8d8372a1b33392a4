import CShims
import Support

private let log = Logger("camera")

extension V4L2Camera {
  /// Opens the device, negotiates RGB24 near the wanted size, maps and
  /// queues the buffers and starts streaming.
  func start() throws(DeviceError) {
    let path = settings.path
    var opened: Int32 = -1
    var status = shim_v4l2_open(path, &opened)
    guard status == 0 else {
      let hint = status == EACCES
        ? "is the user in the video group?" : "is it plugged in?"
      throw DeviceError("camera \(path): cannot open ("
        + "\(SystemError("open", code: status).reason)); \(hint)")
    }
    descriptor = opened

    var card = [CChar](repeating: 0, count: 64)
    status = shim_v4l2_check_capture(opened, &card, card.count)
    guard status == 0 else {
      throw DeviceError("camera \(path): not a video capture device with "
        + "streaming (\(SystemError("VIDIOC_QUERYCAP", code: status).reason))")
    }
    status = shim_v4l2_attach(opened)
    guard status == 0 else {
      throw DeviceError("camera \(path): libv4l2 cannot take it ("
        + "\(SystemError("v4l2_fd_open", code: status).reason))")
    }

    let size = CameraNegotiation.nearestSize(
      width: settings.width, height: settings.height,
      among: offeredSizes()) ?? (settings.width, settings.height)
    var returned = shim_video_format()
    status = shim_v4l2_set_format(opened, UInt32(size.width),
                                  UInt32(size.height),
                                  CameraNegotiation.rgb24, &returned)
    guard status == 0 else {
      throw DeviceError("camera \(path): cannot set RGB24 at "
        + "\(size.width)x\(size.height) ("
        + "\(SystemError("VIDIOC_S_FMT", code: status).reason))")
    }
    var source = shim_video_format()
    if shim_v4l2_device_format(opened, &source) != 0 {
      source.pixel_format = returned.pixel_format
    }
    let accepted = try CameraNegotiation.accept(
      width: Int(returned.width), height: Int(returned.height),
      pixelFormat: returned.pixel_format,
      bytesPerRow: Int(returned.bytes_per_line),
      imageBytes: Int(returned.size_image),
      sourcePixelFormat: source.pixel_format, path: path)
    format = accepted

    try mapBuffers(frameBytes: accepted.frameBytes)

    status = shim_v4l2_stream(opened, 1)
    guard status == 0 else {
      throw DeviceError("camera \(path): cannot start streaming ("
        + "\(SystemError("VIDIOC_STREAMON", code: status).reason))")
    }
    framesToDiscard = settings.discardFrameCount
    lastFrameTime = MonotonicClock.nanoseconds
    let name = String(cString: card)
    let (width, height) = (accepted.width, accepted.height)
    log.emit(lossReported ? .debug : .info, """
      \(path) (\(name)): streaming \(width)x\(height) RGB24 from \
      \(accepted.sourceFormat), \(buffers.count) buffers
      """)
  }

  /// The sizes libv4l2 offers for RGB24 (including converted ones).
  private func offeredSizes() -> [FrameSizeOption] {
    var options: [FrameSizeOption] = []
    var entry = shim_frame_size()
    var index: UInt32 = 0
    while index < 64,
          shim_v4l2_frame_size(descriptor, CameraNegotiation.rgb24, index,
                               &entry) == 0 {
      if entry.kind == 1 {
        options.append(.discrete(width: Int(entry.width),
                                 height: Int(entry.height)))
      } else {
        options.append(.range(
          minimumWidth: Int(entry.min_width),
          maximumWidth: Int(entry.max_width),
          widthStep: max(1, Int(entry.step_width)),
          minimumHeight: Int(entry.min_height),
          maximumHeight: Int(entry.max_height),
          heightStep: max(1, Int(entry.step_height))))
        break
      }
      index += 1
    }
    return options
  }

  private func mapBuffers(frameBytes: Int) throws(DeviceError) {
    let path = settings.path
    var count = UInt32(settings.bufferCount)
    var status = shim_v4l2_request_buffers(descriptor, &count)
    guard status == 0, count >= 2 else {
      let reason = status == 0 ? "the driver gave \(count)"
        : SystemError("VIDIOC_REQBUFS", code: status).reason
      throw DeviceError("camera \(path): cannot get 2 or more mmap buffers "
        + "(\(reason))")
    }
    for index in 0..<count {
      var start: UnsafeMutableRawPointer?
      var length = 0
      status = shim_v4l2_map_buffer(descriptor, index, &start, &length)
      guard status == 0, let start else {
        throw DeviceError("camera \(path): cannot map buffer \(index) ("
          + "\(SystemError("mmap", code: status).reason))")
      }
      buffers.append(UnsafeMutableRawBufferPointer(start: start,
                                                   count: length))
      guard length >= frameBytes else {
        throw DeviceError("camera \(path): buffer \(index) holds \(length) "
          + "bytes, fewer than a \(frameBytes)-byte frame")
      }
      status = shim_v4l2_queue_buffer(descriptor, index)
      guard status == 0 else {
        throw DeviceError("camera \(path): cannot queue buffer \(index) ("
          + "\(SystemError("VIDIOC_QBUF", code: status).reason))")
      }
    }
  }

  /// Stops streaming, unmaps the buffers and closes the descriptor.
  func release() {
    guard descriptor >= 0 else { return }
    _ = shim_v4l2_stream(descriptor, 0)
    for buffer in buffers {
      shim_v4l2_unmap_buffer(buffer.baseAddress, buffer.count)
    }
    buffers.removeAll()
    shim_v4l2_close(descriptor)
    descriptor = -1
    lentBuffer = nil
    format = nil
  }
}
