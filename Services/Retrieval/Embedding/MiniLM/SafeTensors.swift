package import Foundation

/// A `.safetensors` file, memory-mapped: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data. Tensors are
/// read in place; the pages stay in the kernel's page cache, shared by every process mapping them.
package final class SafeTensors: @unchecked Sendable {
    package struct Tensor: Sendable {
        package let dtype: String
        package let shape: [Int]
        let range: Range<Int>
    }

    package let tensors: [String: Tensor]
    private let base: UnsafeRawPointer
    private let length: Int
    private let dataStart: Int

    package init(contentsOf url: URL) throws(EmbeddingError) {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw .modelFiles("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 8 else { throw .modelFiles("\(url.path) is empty or unreadable") }
        let length = Int(status.st_size)
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw .modelFiles("cannot map \(url.path): \(String(cString: strerror(errno)))")
        }
        self.base = UnsafeRawPointer(mapped)
        self.length = length
        do {
            let headerLength = Int(UInt64(littleEndian: self.base.loadUnaligned(as: UInt64.self)))
            guard headerLength > 0, 8 + headerLength <= length else { throw EmbeddingError.modelFiles("\(url.path) is not a safetensors file (header length \(headerLength))") }
            self.dataStart = 8 + headerLength
            let header = Data(bytes: self.base + 8, count: headerLength)
            guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
                throw EmbeddingError.modelFiles("\(url.path) has no JSON header")
            }
            var tensors: [String: Tensor] = [:]
            for (name, value) in object where name != "__metadata__" {
                guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String, let shape = entry["shape"] as? [Int],
                    let offsets = entry["data_offsets"] as? [Int], offsets.count == 2, offsets[0] <= offsets[1],
                    self.dataStart + offsets[1] <= length
                else { throw EmbeddingError.modelFiles("\(url.path): tensor \(name) has a bad header entry") }
                tensors[name] = Tensor(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
            }
            self.tensors = tensors
        } catch {
            munmap(mapped, length)
            throw error as! EmbeddingError
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: self.base), self.length) }

    /// A float32 tensor's values in place, checked against the shape the model expects.
    package func floats(_ name: String, shape: [Int]) throws(EmbeddingError) -> UnsafeBufferPointer<Float> {
        guard let tensor = self.tensors[name] else { throw .modelFiles("the weights have no tensor \(name)") }
        guard tensor.dtype == "F32" else { throw .modelFiles("tensor \(name) is \(tensor.dtype); float32 (F32) is needed") }
        guard tensor.shape == shape else { throw .modelFiles("tensor \(name) has shape \(tensor.shape); \(shape) is needed") }
        guard tensor.range.count == shape.reduce(1, *) * MemoryLayout<Float>.size else {
            throw .modelFiles("tensor \(name) holds \(tensor.range.count) bytes, not \(shape.reduce(1, *)) floats")
        }
        let start = (self.base + self.dataStart + tensor.range.lowerBound).assumingMemoryBound(to: Float.self)
        return UnsafeBufferPointer(start: start, count: shape.reduce(1, *))
    }
}
