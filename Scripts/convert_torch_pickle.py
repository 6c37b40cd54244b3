#!/usr/bin/env python3
"""Convert a PyTorch state-dict checkpoint (.pth/.pt) to safetensors, without PyTorch.

Python standard library only. Reads both on-disk formats of torch.save:
  * the zip format (torch >= 1.6): <archive>/data.pkl plus one file <archive>/data/<key>
    per storage;
  * the legacy format (torch < 1.6): a sequence of pickles (magic number, protocol
    version, system info, the object, the list of storage keys) followed by each
    storage's raw bytes, preceded by its element count as a little-endian int64.
Tensors are pickled as calls to torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, ...) whose storage is a persistent id naming a typed storage (torch.FloatStorage,
torch.LongStorage, ...). A restricted Unpickler resolves only those names, so a hostile
checkpoint cannot run code: anything else is refused with a clear message.

Usage:
  convert_torch_pickle.py IN.pth OUT.safetensors [--expect-parameters N]
  convert_torch_pickle.py --self-test

Tensor names are kept as they are (torchvision's features.0.0.weight, ...); dtypes follow
the storages (num_batches_tracked stays I64). The output is written atomically and laid
out like the reference safetensors writer (dtype size descending, then name; header padded
with spaces to a multiple of 8 bytes), so it is deterministic.
"""
import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import tempfile
import zipfile

# Storage class name -> (safetensors dtype, element size in bytes).
STORAGE_TYPES = {
    "DoubleStorage": ("F64", 8),
    "FloatStorage": ("F32", 4),
    "HalfStorage": ("F16", 2),
    "BFloat16Storage": ("BF16", 2),
    "LongStorage": ("I64", 8),
    "IntStorage": ("I32", 4),
    "ShortStorage": ("I16", 2),
    "CharStorage": ("I8", 1),
    "ByteStorage": ("U8", 1),
    "BoolStorage": ("BOOL", 1),
}
# Order of the reference implementation's dtype enum; its writer puts larger ranks first.
DTYPE_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 3, "U16": 4, "F16": 5, "BF16": 6,
              "I32": 7, "U32": 8, "F32": 9, "F64": 10, "I64": 11, "U64": 12}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")


class ConversionError(Exception):
    pass


class StorageType:
    """Stands in for torch.FloatStorage and friends."""

    def __init__(self, name):
        self.name = name
        self.dtype, self.itemsize = STORAGE_TYPES[name]


class Storage:
    """A typed storage: its bytes arrive after unpickling (legacy) or on demand (zip)."""

    def __init__(self, key, storage_type, element_offset=0):
        self.key = key
        self.type = storage_type
        self.element_offset = element_offset  # legacy storage views
        self.data = None


class Tensor:
    def __init__(self, storage, offset, size, stride):
        if not isinstance(storage, Storage):
            raise ConversionError("a tensor refers to something other than a storage")
        self.storage, self.offset = storage, int(offset)
        self.size, self.stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        if len(self.size) != len(self.stride):
            raise ConversionError(f"tensor with size {self.size} has stride {self.stride}")


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return Tensor(storage, storage_offset, size, stride)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return Tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return data


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return data


ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("torch", "Size"): tuple,
}


class RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, persistent_load=None):
        super().__init__(file)
        self._persistent = persistent_load

    def find_class(self, module, name):
        if module == "torch" and name in STORAGE_TYPES:
            return StorageType(name)
        if (module, name) in ALLOWED_GLOBALS:
            return ALLOWED_GLOBALS[(module, name)]
        raise ConversionError(
            f"the checkpoint references {module}.{name}; only state dicts of plain tensors "
            "can be converted (save model.state_dict(), not the model)")

    def persistent_load(self, pid):
        if self._persistent is None:
            raise ConversionError("unexpected persistent id in a checkpoint header pickle")
        return self._persistent(pid)


def _storage_type(value):
    if not isinstance(value, StorageType):
        raise ConversionError(f"storage of unsupported type {value!r}")
    return value


def load_legacy(path):
    with open(path, "rb") as f:
        def plain():
            return RestrictedUnpickler(f).load()
        if plain() != LEGACY_MAGIC:
            raise ConversionError("not a PyTorch checkpoint (bad magic number)")
        if plain() != LEGACY_PROTOCOL:
            raise ConversionError("unsupported legacy PyTorch protocol version")
        sys_info = plain()
        if not isinstance(sys_info, dict) or not sys_info.get("little_endian", False):
            raise ConversionError("checkpoint was written on a big-endian machine")
        roots = {}

        def persistent(pid):
            if not isinstance(pid, tuple) or len(pid) != 6 or pid[0] != "storage":
                raise ConversionError(f"unexpected persistent id {pid!r}")
            _, storage_type, root_key, _location, _size, view = pid
            root = roots.setdefault(root_key, Storage(root_key, _storage_type(storage_type)))
            if view is None:
                return root
            _view_key, offset, _view_size = view
            view_storage = Storage(root_key, root.type, int(offset))
            view_storage.root = root
            return view_storage

        obj = RestrictedUnpickler(f, persistent).load()
        keys = plain()
        for key in keys:
            if key not in roots:
                raise ConversionError(f"storage {key!r} is stored but never used")
            storage = roots[key]
            header = f.read(8)
            if len(header) != 8:
                raise ConversionError("file truncated inside the storage data")
            (count,) = struct.unpack("<q", header)
            nbytes = count * storage.type.itemsize
            if count < 0 or nbytes > os.fstat(f.fileno()).st_size:
                raise ConversionError(f"storage {key!r} declares an impossible size {count}")
            storage.data = f.read(nbytes)
            if len(storage.data) != nbytes:
                raise ConversionError("file truncated inside the storage data")
        if f.read(1):
            raise ConversionError("unexpected bytes after the last storage")
        missing = [k for k, s in roots.items() if s.data is None]
        if missing:
            raise ConversionError(f"storages {missing[:3]} are used but not stored")
    return obj


def load_zip(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise ConversionError("zip checkpoint without exactly one data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        if prefix + "byteorder" in names and archive.read(prefix + "byteorder").strip() != b"little":
            raise ConversionError("checkpoint was written with big-endian storages")
        storages = {}

        def persistent(pid):
            if not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage":
                raise ConversionError(f"unexpected persistent id {pid!r}")
            _, storage_type, key, _location, _numel = pid
            if key not in storages:
                storage = Storage(key, _storage_type(storage_type))
                member = f"{prefix}data/{key}"
                if member not in names:
                    raise ConversionError(f"storage file {member} is missing from the archive")
                storage.data = archive.read(member)
                storages[key] = storage
            return storages[key]

        return RestrictedUnpickler(io.BytesIO(archive.read(pickles[0])), persistent).load()


def load_checkpoint(path):
    if zipfile.is_zipfile(path):
        return load_zip(path)
    return load_legacy(path)


def tensor_bytes(name, t):
    """The tensor's elements in C order, copying when the strides are not contiguous."""
    storage = t.storage
    root = getattr(storage, "root", storage)
    itemsize = storage.type.itemsize
    data = memoryview(root.data)
    available = len(data) // itemsize
    base = storage.element_offset + t.offset
    numel = 1
    for s in t.size:
        numel *= s
    if numel == 0:
        return b""
    if base < 0 or any(s < 0 for s in t.size) or any(st < 0 for st in t.stride):
        raise ConversionError(f"tensor {name}: negative offset, size or stride")
    last = base + sum((s - 1) * st for s, st in zip(t.size, t.stride))
    if last >= available:
        raise ConversionError(f"tensor {name}: reaches element {last} of a {available}-element storage")
    expected, contiguous = 1, True
    for s, st in zip(reversed(t.size), reversed(t.stride)):
        if s != 1 and st != expected:
            contiguous = False
        expected *= s
    if contiguous:
        return bytes(data[base * itemsize:(base + numel) * itemsize])
    out = bytearray()

    def gather(dim, offset):
        if dim == len(t.size):
            out.extend(data[offset * itemsize:(offset + 1) * itemsize])
            return
        for i in range(t.size[dim]):
            gather(dim + 1, offset + i * t.stride[dim])

    gather(0, base)
    return bytes(out)


def state_dict_of(obj):
    if isinstance(obj, dict) and obj and all(isinstance(v, Tensor) for v in obj.values()):
        return obj
    if isinstance(obj, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if isinstance(obj.get(key), dict):
                return state_dict_of(obj[key])
        keys = ", ".join(repr(k) for k in list(obj)[:8])
        raise ConversionError(f"no state dict of tensors found (top-level keys: {keys})")
    raise ConversionError(f"the checkpoint holds a {type(obj).__name__}, not a state dict")


def safetensors_bytes(tensors, metadata):
    """tensors: name -> (dtype, shape, bytes)."""
    order = sorted(tensors, key=lambda n: (-DTYPE_RANK[tensors[n][0]], n))
    header = {}
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    offset = 0
    for name in order:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return b"".join([struct.pack("<Q", len(text)), text] + [tensors[n][2] for n in order])


def write_atomically(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def convert(source, destination, metadata=None):
    """Returns (tensor count, parameter count, buffer element count)."""
    state = state_dict_of(load_checkpoint(source))
    tensors, parameters, buffers = {}, 0, 0
    for name, t in state.items():
        if not isinstance(name, str):
            raise ConversionError(f"tensor name {name!r} is not a string")
        data = tensor_bytes(name, t)
        tensors[name] = (t.storage.type.dtype, t.size, data)
        count = len(data) // t.storage.type.itemsize
        if name.endswith(BUFFER_SUFFIXES):
            buffers += count
        else:
            parameters += count
    write_atomically(destination, safetensors_bytes(tensors, metadata or {"format": "pt"}))
    return len(tensors), parameters, buffers


# ---------------------------------------------------------------------------------------
# Self test: writes synthetic checkpoints in both formats the way torch.save does, using
# stand-in torch modules, and checks the conversion.

def self_test():
    import types

    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    torch._utils = utils

    def rebuild(*args):
        raise AssertionError("never called while pickling")

    rebuild.__module__, rebuild.__qualname__, rebuild.__name__ = "torch._utils", "_rebuild_tensor_v2", "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = rebuild
    for name in STORAGE_TYPES:
        cls = type(name, (), {"__module__": "torch"})
        setattr(torch, name, cls)
    saved = {k: sys.modules.get(k) for k in ("torch", "torch._utils")}
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils

    class FakeStorage:
        def __init__(self, key, type_name, values, fmt):
            self.key, self.type = key, getattr(torch, type_name)
            self.values, self.fmt = values, fmt

        def raw(self):
            return struct.pack("<" + self.fmt * len(self.values), *self.values)

    class FakeTensor:
        def __init__(self, storage, offset, size, stride):
            self.storage, self.args = storage, (offset, size, stride)

        def __reduce_ex__(self, protocol):
            offset, size, stride = self.args
            return (rebuild, (self.storage, offset, size, stride, False, collections.OrderedDict()))

    floats = FakeStorage("0", "FloatStorage", [float(i) for i in range(12)], "f")
    longs = FakeStorage("1", "LongStorage", [7, -3], "q")
    state = collections.OrderedDict([
        ("conv.weight", FakeTensor(floats, 0, (2, 3, 1, 1), (3, 1, 1, 1))),
        ("fc.weight_t", FakeTensor(floats, 0, (3, 2), (1, 3))),       # transposed: copy
        ("fc.bias", FakeTensor(floats, 6, (4,), (1,))),               # storage offset
        ("bn.num_batches_tracked", FakeTensor(longs, 1, (), ())),     # scalar I64
        ("empty", FakeTensor(floats, 0, (0, 5), (5, 1))),
    ])
    expected = {
        "conv.weight": ("F32", [2, 3, 1, 1], struct.pack("<6f", 0, 1, 2, 3, 4, 5)),
        "fc.weight_t": ("F32", [3, 2], struct.pack("<6f", 0, 3, 1, 4, 2, 5)),
        "fc.bias": ("F32", [4], struct.pack("<4f", 6, 7, 8, 9)),
        "bn.num_batches_tracked": ("I64", [], struct.pack("<q", -3)),
        "empty": ("F32", [0, 5], b""),
    }

    def write_legacy(path):
        storages = {}

        class LegacyPickler(pickle.Pickler):
            def persistent_id(self, obj):
                if isinstance(obj, FakeStorage):
                    storages[obj.key] = obj
                    return ("storage", obj.type, obj.key, "cpu", len(obj.values), None)
                return None

        with open(path, "wb") as f:
            for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"protocol_version": LEGACY_PROTOCOL, "little_endian": True}):
                pickle.dump(header, f, protocol=2)
            LegacyPickler(f, protocol=2).dump(state)
            pickle.dump(sorted(storages), f, protocol=2)
            for key in sorted(storages):
                f.write(struct.pack("<q", len(storages[key].values)) + storages[key].raw())

    def write_zip(path):
        storages, buffer = {}, io.BytesIO()

        class ZipPickler(pickle.Pickler):
            def persistent_id(self, obj):
                if isinstance(obj, FakeStorage):
                    storages[obj.key] = obj
                    return ("storage", obj.type, obj.key, "cpu", len(obj.values))
                return None

        ZipPickler(buffer, protocol=2).dump(state)
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("archive/data.pkl", buffer.getvalue())
            z.writestr("archive/byteorder", "little")
            for key, storage in storages.items():
                z.writestr(f"archive/data/{key}", storage.raw())
            z.writestr("archive/version", "3\n")

    try:
        with tempfile.TemporaryDirectory() as folder:
            for kind, writer in (("legacy", write_legacy), ("zip", write_zip)):
                source = os.path.join(folder, kind + ".pth")
                out = os.path.join(folder, kind + ".safetensors")
                writer(source)
                count, parameters, buffers = convert(source, out)
                assert (count, parameters, buffers) == (5, 16, 1), (kind, count, parameters, buffers)
                blob = open(out, "rb").read()
                (n,) = struct.unpack("<Q", blob[:8])
                assert n % 8 == 0
                header = json.loads(blob[8:8 + n])
                assert header.pop("__metadata__") == {"format": "pt"}
                assert list(header) == ["bn.num_batches_tracked", "conv.weight", "empty", "fc.bias", "fc.weight_t"], list(header)
                for name, (dtype, shape, data) in expected.items():
                    entry = header[name]
                    begin, end = entry["data_offsets"]
                    assert (entry["dtype"], entry["shape"]) == (dtype, shape), (kind, name, entry)
                    assert blob[8 + n + begin:8 + n + end] == data, (kind, name)
            # A pickle that names anything but tensors and dicts is refused, not executed.
            evil = os.path.join(folder, "evil.pth")
            with zipfile.ZipFile(evil, "w") as z:
                z.writestr("archive/data.pkl", b"cos\nsystem\n(S'echo pwned'\ntR.")
            try:
                convert(evil, os.path.join(folder, "evil.safetensors"))
                raise AssertionError("a pickle calling os.system was accepted")
            except ConversionError as error:
                assert "os.system" in str(error)
            assert not os.path.exists(os.path.join(folder, "evil.safetensors"))
    finally:
        for key, module in saved.items():
            if module is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = module
    print("convert_torch_pickle: self-test passed (legacy and zip formats, strides, offsets, I64, refusal)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="?")
    parser.add_argument("destination", nargs="?")
    parser.add_argument("--expect-parameters", type=int,
                        help="fail unless the learnable parameter count (all but BN running stats) is this")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return 0
    if not args.source or not args.destination:
        parser.error("need SOURCE and DESTINATION")
    try:
        count, parameters, buffers = convert(args.source, args.destination)
    except (ConversionError, OSError) as error:
        print(f"convert_torch_pickle: error: {args.source}: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a corrupt pickle can raise almost anything while loading
        print(f"convert_torch_pickle: error: {args.source} is not a readable PyTorch checkpoint "
              f"({type(error).__name__}: {error})", file=sys.stderr)
        return 1
    print(f"convert_torch_pickle: {count} tensors, {parameters} parameters, {buffers} buffer elements -> {args.destination}")
    if args.expect_parameters is not None and parameters != args.expect_parameters:
        os.unlink(args.destination)
        print(f"convert_torch_pickle: error: expected {args.expect_parameters} parameters, got {parameters}; "
              "output removed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
