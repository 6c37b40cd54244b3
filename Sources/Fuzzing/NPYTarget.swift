import ModelIO

/// The `.npy` fuzz target: what `subbit encode` does with a symbol file — NumPy's header rules
/// (``NPY``), the data size, integer values — and, for every file it accepts, that the writer
/// gives it back. Inputs: valid arrays of every dtype and version, header-text mutations in the
/// style of the attacks NumPy refuses (decoy `'descr'` inside strings, `<b8`, `fortran_order:
/// Maybe`, extra or missing keys, duplicate keys), byte mutations and shape bombs (dimensions
/// whose product overflows or far exceeds the data).
///
/// ```swift
/// var random = FuzzRandom(seed: 1)
/// _ = try NPYTarget.feed(NPYTarget.generate(&random))
/// ```
/// - Complexity: bounded by the file's size.
enum NPYTarget {
    static func generate(_ random: inout FuzzRandom) -> [UInt8] {
        switch random.below(10) {
        case 0, 1, 2, 3: return headerVariant(&random)
        case 4: return valid(&random)
        default: return ByteMutator.mutate(valid(&random), random: &random)
        }
    }

    static func feed(_ bytes: [UInt8]) throws -> Bool {
        let tensor: TensorData
        do { tensor = try NPY.decode(bytes) } catch is NPYError { return false }
        if !tensor.dtype.isFloatingPoint { do { _ = try tensor.integers() } catch is TensorDataError {} }
        guard try NPY.decode(NPY.encode(tensor)) == tensor else { throw FuzzFinding(".npy array does not read back as written") }
        return true
    }

    static let descrs = ["<f4", "<f8", "<f2", "|u1", "<u2", ">u2", "<i4", ">i8", "|b1", "<u8", "|i1", "=u4"]

    static func valid(_ random: inout FuzzRandom) -> [UInt8] {
        let descr = random.pick(descrs)
        let shape = random.chance(0.3) ? [2, 3] : random.chance(0.1) ? [] : [random.below(12)]
        let size = Int(descr.dropFirst(2))!
        let count = shape.reduce(1, *)
        return header(descr: descr, fortran: "False", shape: shape, version: random.pick([1, 1, 2, 3]))
            + (0..<(count * size)).map { _ in descr.hasSuffix("b1") ? random.byte() & 1 : random.byte() }
    }

    static func header(descr: String, fortran: String, shape: [Int], version: UInt8, extra: String = "", order: Int = 0) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let fields = ["'descr': '\(descr)'", "'fortran_order': \(fortran)", "'shape': \(shapeText)"]
        let ordered = order == 0 ? fields : [fields[2], fields[0], fields[1]]
        var text = "{" + ordered.joined(separator: ", ") + extra + ", }"
        let prefix = version == 1 ? 10 : 12
        text += String(repeating: " ", count: (64 - (prefix + text.utf8.count + 1) % 64) % 64) + "\n"
        let n = text.utf8.count
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0, UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF)]
        if version != 1 { out += [UInt8((n >> 16) & 0xFF), UInt8(n >> 24)] }
        return out + Array(text.utf8)
    }

    /// Headers NumPy refuses or that test strictness, with plausible data after them.
    static func headerVariant(_ random: inout FuzzRandom) -> [UInt8] {
        let shape = random.chance(0.2) ? [1 << 40, 1 << 40] : random.chance(0.2) ? [Int.max / 2, 3] : [10]
        let descr = random.pick(descrs + ["<b8", "<u3", "u1", "<<u2", "<U4", "|O", "<c8", "'<u2'"])
        let fortran = random.pick(["False", "True", "Maybe", "0", "false", "'False'"])
        let extra = random.pick(["", "", ", 'descr': '|u1'", ", 'extra': 1", ", 'note': \"'descr': '|u1'\"", ", 'shape': (20,)"])
        let version: UInt8 = random.pick([1, 2, 3, 4])
        return header(descr: descr, fortran: fortran, shape: shape, version: version, extra: extra, order: random.below(2))
            + (0..<20).map { _ in random.byte() }
    }
}
