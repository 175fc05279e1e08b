#!/usr/bin/env python3
"""Damages Tandem files the way an attacker or a bad disk would, keeping them self-consistent
where the format has checksums, so the loader's own validation is what must catch it.

  tamper.py manifest CKPT_DIR KEY JSON_VALUE     set manifest.json KEY (dotted path), recompute SHA256SUMS
  tamper.py shape FILE.safetensors TENSOR SHAPE  rewrite one tensor's shape (JSON list) in the header
                                                  (in a checkpoint directory, SHA256SUMS and the manifest follow)
  tamper.py weight FILE.safetensors INDEX VALUE  set float32 number INDEX of the data buffer (e.g. nan)
"""
import hashlib, json, os, struct, sys


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def resum(ckpt):
    """Recomputes the checkpoint's checksums: the manifest's files entry, then SHA256SUMS."""
    mpath = os.path.join(ckpt, "manifest.json")
    with open(mpath) as f:
        m = json.load(f)
    m["files"]["tensors.safetensors"] = sha(os.path.join(ckpt, "tensors.safetensors"))
    with open(mpath, "w") as f:
        json.dump(m, f, indent=2, sort_keys=True)
    with open(os.path.join(ckpt, "SHA256SUMS"), "w") as f:
        f.write(f"{sha(os.path.join(ckpt, 'tensors.safetensors'))}  tensors.safetensors\n{sha(mpath)}  manifest.json\n")


def set_path(obj, dotted, value):
    keys = dotted.split(".")
    for k in keys[:-1]:
        obj = obj[int(k)] if isinstance(obj, list) else obj[k]
    last = keys[-1]
    if isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value


def read_st(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def write_st(path, header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def in_checkpoint(path):
    d = os.path.dirname(os.path.abspath(path))
    return d if os.path.exists(os.path.join(d, "SHA256SUMS")) else None


def main(argv):
    cmd = argv[1]
    if cmd == "manifest":
        ckpt, key, value = argv[2], argv[3], json.loads(argv[4])
        mpath = os.path.join(ckpt, "manifest.json")
        with open(mpath) as f:
            m = json.load(f)
        set_path(m, key, value)
        with open(mpath, "w") as f:
            json.dump(m, f, indent=2, sort_keys=True)
        resum(ckpt)
    elif cmd == "shape":
        path, name, shape = argv[2], argv[3], json.loads(argv[4])
        header, data = read_st(path)
        header[name]["shape"] = shape
        write_st(path, header, data)
        if ckpt := in_checkpoint(path):
            resum(ckpt)
    elif cmd == "weight":
        path, index, value = argv[2], int(argv[3]), float(argv[4])
        header, data = read_st(path)
        data = bytearray(data)
        data[4 * index:4 * index + 4] = struct.pack("<f", value)
        write_st(path, header, bytes(data))
        if ckpt := in_checkpoint(path):
            resum(ckpt)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
