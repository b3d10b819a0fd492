"""Random-weight checkpoints of the open_clip and SigLIP families in their published layouts, and
the reference implementations' embeddings of them.

    python make_family_fixtures.py tiny [openclip|siglip|siglip2 ...]
                                                 # -> crates/clip/tests/fixtures/families/ (committed)
    python make_family_fixtures.py full OUT_DIR IMAGES.txt [openclip|siglip|siglip2 ...]
                                                 # full-size geometries, for local parity only

Needs the reference venv (../shared/tools/reference/setup.sh) plus
`pip install open-clip-torch sentencepiece`. Nothing is downloaded: every model is built from a
config with random weights, every tokenizer is made here.

Layouts written:
- `openclip-hub/`: open_clip's Hub layout: `open_clip_config.json` (`model_cfg`,
  `preprocess_cfg`) + `open_clip_model.safetensors`, QuickGELU from the config.
- `openclip-bin/`: the same layout with `open_clip_pytorch_model.bin` only (a torch.save zip
  pickle), GELU (no `quick_gelu` in the config).
- `openclip-raw/negclip-tiny.pt`: a training checkpoint as NegCLIP and friends publish them:
  `{"epoch", "name", "state_dict": {"module.<name>": tensor}}`, same weights as openclip-bin,
  with `arch.json` (a bare open_clip model config) beside it; and `evil.pt`, a pickle whose
  GLOBAL is `os.system` (never to be executed).
- `siglip/`: transformers `SiglipModel` (`config.json`, `model.safetensors`), a SentencePiece
  unigram model trained here on COCO captions turned into `tokenizer.json`, and the
  `SiglipImageProcessor` `preprocessor_config.json`.
- `siglip2/`: a fixed-resolution SigLIP 2 checkpoint as `google/siglip2-base-patch16-224` is laid
  out: `SiglipModel` weights (`model_type` `siglip`), a Gemma-style tokenizer (SentencePiece
  BPE with byte fallback, trained here; `<pad>` 0, `<eos>` 1, `<bos>` 2, `<unk>` 3, `<mask>` 4)
  saved by transformers' `GemmaTokenizer` as `tokenizer.json`, with the `tokenizer_config.json`
  settings of transformers' SigLIP 2 conversion (`add_bos_token` false, `add_eos_token` true,
  `padding_side` right, `model_input_names` `["input_ids"]`, so no attention mask: the model
  attends to the padding, as transformers runs it). Its `expected.json` also holds the ids
  transformers gives when `tokenizer_config.json` names `Siglip2Tokenizer` (which lowercases)
  and when `tokenizer.json` carries a normalizer the class replaces.

Tokenizers: open_clip's `SimpleTokenizer` reads a gzipped merges list; it is built from the
project-made vocabulary of `crates/clip/tests/fixtures/bpe-files/make_fixture.py` (never the real
CLIP vocabulary), and the same vocabulary is written as `vocab.json` + `merges.txt` for
clipprobe. The SentencePiece model is trained on ../shared/data/coco-captions/val2017-dev.jsonl.

Each fixture folder gets `expected.json`: the reference's token ids of CAPTIONS, the text
features (open_clip `encode_text` / transformers `get_text_features` after the family's own
tokenizer and padding) and image features of the PNG files in `images/` (open_clip's
`image_transform(..., is_train=False)` / `SiglipImageProcessor`), unnormalised.
"""
import gzip
import importlib.util
import json
import os
import string
import sys
import tempfile
from pathlib import Path

import numpy as np
import open_clip
import sentencepiece as spm
import torch
from PIL import Image
from safetensors.torch import save_file
from transformers import SiglipConfig, SiglipImageProcessorPil, SiglipModel, SiglipTokenizer
from transformers.convert_slow_tokenizer import T5Converter

TOP = Path(__file__).resolve().parents[2]
FIXTURES = TOP / "crates/clip/tests/fixtures/families"
COCO = TOP.parent / "shared/data/coco-captions/val2017-dev.jsonl"

CAPTIONS = [
    "a photo of a cat",
    "A Photo Of The DOG on the street.",
    "two cats sitting on a table, with a man!",
    "it isn't red, it's blue",
    "  tabs\tand   spaces  ",
    "the the the the the the the the the the the the the the the the the the the the",
    "a woman with a red car and a dog in the street",
]


def bpe_vocab():
    spec = importlib.util.spec_from_file_location(
        "bpe_fixture", TOP / "crates/clip/tests/fixtures/bpe-files/make_fixture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.build_vocab()


def write_bpe(dirs, merges, tmp):
    """open_clip's gzipped merges list, and the same vocabulary as vocab.json + merges.txt
    (Hugging Face names for the two specials, ids as open_clip's `SimpleTokenizer` numbers
    them: bytes in `bytes_to_unicode` order, the same + </w>, merges, start, end) in each of
    `dirs`. Returns the gzip path."""
    gz = Path(tmp) / "bpe.txt.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges))  # no trailing empty merge
    encoder = open_clip.tokenizer.SimpleTokenizer(bpe_path=str(gz)).encoder
    rename = {"<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"}
    vocab = {rename.get(k, k): v for k, v in encoder.items()}
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        (d / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
        (d / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", "utf-8")
    return gz, len(vocab)


def perturb(module, seed):
    """Adds noise to every parameter, so that no bias or norm is at its (often 0 / 1) init and
    every tensor name mapping is exercised."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.05)


def images(folder):
    """Three PNGs: odd centre-crop offsets (35x32: torchvision rounds 1.5 to 2, transformers
    floors to 1), RGBA, greyscale."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    out = []
    for i, ((w, h), mode) in enumerate([((35, 32), "RGB"), ((40, 90), "RGBA"), ((50, 50), "L")]):
        arr = rng.integers(0, 256, size=(h, w, 4 if mode == "RGBA" else 3), dtype=np.uint8)
        img = Image.fromarray(arr, "RGBA" if mode == "RGBA" else "RGB")
        if mode == "L":
            img = img.convert("L")
        path = folder / f"image{i}.png"
        img.save(path)
        out.append(path)
    return out


def rows(t):
    return [[float(v) for v in row] for row in t.detach().to(torch.float32).numpy()]


def openclip_expected(model, tokenizer, preprocess, paths, texts):
    model.eval()
    ids = tokenizer(texts)
    with torch.no_grad():
        text = model.encode_text(ids)
        px = torch.stack([preprocess(Image.open(p)) for p in paths])
        image = model.encode_image(px)
    trimmed = []
    for row in ids.tolist():
        while row and row[-1] == 0:
            row.pop()
        trimmed.append(row)
    return {"texts": texts, "images": [p.name for p in paths], "ids": trimmed,
            "text_features": rows(text), "image_features": rows(image)}


def openclip_family(root, tiny, tmp, paths, texts):
    if tiny:
        gz, vocab_size = write_bpe([root / "openclip-hub", root / "openclip-bin",
                                    root / "openclip-raw"], bpe_vocab()[1], tmp)
        base = dict(embed_dim=16,
                    vision_cfg=dict(image_size=32, layers=2, width=48, patch_size=8,
                                    head_width=16),
                    text_cfg=dict(context_length=16, vocab_size=vocab_size, width=32, heads=4,
                                  layers=2))
        variants = {"openclip-hub": dict(base, quick_gelu=True), "openclip-bin": base}
        make_tok = lambda cfg: open_clip.tokenizer.SimpleTokenizer(
            bpe_path=str(gz), context_length=cfg["text_cfg"]["context_length"])
    else:
        variants = {name: open_clip.get_model_config(name)
                    for name in ("ViT-B-32-quickgelu", "ViT-B-16")}
        clip_tok = TOP.parent / "shared/fixtures/clip-tokenizer/tokenizer.json"
        make_tok = lambda cfg: open_clip.tokenizer.SimpleTokenizer(context_length=77)
    for seed, (name, cfg) in enumerate(variants.items()):
        # the Hub fixture has its own mean/std; the other two open_clip's (OpenAI) defaults,
        # which is what a raw checkpoint gets
        mean, std = ((0.5, 0.4, 0.3), (0.2, 0.25, 0.3)) if name == "openclip-hub" else (
            open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD)
        torch.manual_seed(seed)
        model = open_clip.model.CLIP(**cfg)
        perturb(model, seed)
        size = cfg["vision_cfg"]["image_size"]
        pre_cfg = dict(size=[size, size], mode="RGB", mean=list(mean), std=list(std),
                       interpolation="bicubic", resize_mode="shortest", fill_color=0)
        if name != "openclip-hub":
            pre_cfg = dict(size=[size, size])
        preprocess = open_clip.image_transform(size, is_train=False, mean=mean, std=std,
                                               resize_mode="shortest", interpolation="bicubic")
        d = root / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "open_clip_config.json").write_text(json.dumps(
            {"model_cfg": cfg, "preprocess_cfg": pre_cfg}, indent=2) + "\n")
        sd = {k: v.contiguous() for k, v in model.state_dict().items()}
        if name in ("openclip-bin", "ViT-B-16"):
            torch.save(sd, d / "open_clip_pytorch_model.bin")
            raw = root / "openclip-raw"
            raw.mkdir(parents=True, exist_ok=True)
            torch.save({"epoch": 3, "name": "negclip-tiny",
                        "state_dict": {f"module.{k}": v for k, v in sd.items()}},
                       raw / "negclip-tiny.pt")
            (raw / "arch.json").write_text(json.dumps(cfg, indent=2) + "\n")
            torch.save({"state_dict": Evil()}, raw / "evil.pt")
        else:
            save_file(sd, str(d / "open_clip_model.safetensors"))
        if not tiny:
            import shutil
            for folder in (d, root / "openclip-raw"):
                if folder.is_dir():
                    shutil.copy(clip_tok, folder / "tokenizer.json")
        exp = openclip_expected(model, make_tok(cfg), preprocess, paths, texts)
        exp["logit_scale"] = float(model.logit_scale)
        (d / "expected.json").write_text(json.dumps(exp) + "\n")
        write_refs(d, exp, tiny)
        print(name, "written")


def write_refs(d, exp, tiny, unpadded=None):
    """Full mode: the reference as .npy matrices and unpadded ids (`unpadded`, else `ids` cut
    by the attention mask), for compare.py."""
    if tiny:
        return
    np.save(d / "ref_text.npy", np.asarray(exp["text_features"], dtype=np.float32))
    np.save(d / "ref_image.npy", np.asarray(exp["image_features"], dtype=np.float32))
    ids = exp["ids"]
    if unpadded is not None:
        ids = unpadded
    elif exp.get("attention_mask"):
        ids = [row[:sum(m)] for row, m in zip(ids, exp["attention_mask"])]
    (d / "ref_ids.json").write_text(json.dumps(ids))


class Evil:
    """Pickles as a call of os.system: a loader that executes pickles would run it."""

    def __reduce__(self):
        return (os.system, ("echo this checkpoint ran code",))


def train_spm(tmp, vocab_size):
    texts = [json.loads(line)["caption"] for line in COCO.open(encoding="utf-8")]
    corpus = Path(tmp) / "captions.txt"
    corpus.write_text("\n".join(texts) + "\n", "utf-8")
    prefix = Path(tmp) / "spm"
    # T5/SigLIP ids: pad 0, eos 1, unk 2
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0,
        add_dummy_prefix=True, num_threads=2)
    return str(prefix) + ".model"


def siglip_family(root, tiny, tmp, paths, texts):
    model_file = train_spm(tmp, 300 if tiny else 4000)
    tok = SiglipTokenizer(vocab_file=model_file, model_max_length=16 if tiny else 64)
    if tiny:
        text = dict(vocab_size=320, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                    num_attention_heads=4, max_position_embeddings=16, projection_size=48)
        vision = dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                      num_attention_heads=3, image_size=32, patch_size=8)
    else:  # google/siglip-base-patch16-224 geometry
        text = dict(vocab_size=32000, hidden_size=768, intermediate_size=3072,
                    num_hidden_layers=12, num_attention_heads=12, max_position_embeddings=64)
        vision = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                      num_attention_heads=12, image_size=224, patch_size=16)
    torch.manual_seed(7)
    model = SiglipModel(SiglipConfig(text_config=text, vision_config=vision)).eval()
    perturb(model, 7)
    size = vision["image_size"]
    proc = SiglipImageProcessorPil(size={"height": size, "width": size})
    d = root / "siglip"
    d.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(d))
    proc.save_pretrained(str(d))
    tok.save_pretrained(str(d))
    # transformers has no SigLIP converter; the SentencePiece part is T5's (unigram, Metaspace,
    # `$A </s>`); SigLIP's canonicalisation (lowercase, no ASCII punctuation, single spaces)
    # is python code in SiglipTokenizer, which clipprobe applies itself before this pipeline.
    tok._extra_ids = 0  # T5's <extra_id_*> sentinels: SigLIP has none
    fast = T5Converter(tok).converted()
    fast.no_padding()
    fast.no_truncation()
    fast.save(str(d / "tokenizer.json"))
    check = texts + [json.loads(l)["caption"] for l in COCO.open(encoding="utf-8")][:2000]
    for t in check:
        want = tok(t)["input_ids"]
        got = fast.encode(tok.canonicalize_text(t)).ids
        assert want == got, (t, want, got)
    (d / "spiece.model").unlink()  # clipprobe reads tokenizer.json; keep the fixture small
    max_len = text["max_position_embeddings"]
    enc = tok(texts, padding="max_length", max_length=max_len, truncation=True,
              return_tensors="pt")
    with torch.no_grad():
        tf = model.get_text_features(**enc).pooler_output
        px = proc([Image.open(p) for p in paths], return_tensors="pt")["pixel_values"]
        imf = model.get_image_features(pixel_values=px).pooler_output
    exp = {"texts": texts, "images": [p.name for p in paths],
           "ids": enc["input_ids"].tolist(),
           "attention_mask": enc["attention_mask"].tolist() if "attention_mask" in enc else None,
           "text_features": rows(tf), "image_features": rows(imf),
           "logit_scale": float(model.logit_scale), "logit_bias": float(model.logit_bias)}
    (d / "expected.json").write_text(json.dumps(exp) + "\n")
    write_refs(d, exp, tiny)
    print("siglip written; processor keys:", list(enc.keys()))


GEMMA_SPECIALS = dict(pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>",
                      bos_piece="<bos>", unk_piece="<unk>", user_defined_symbols=["<mask>"])


def gemma_tokenizer(tmp, vocab_size, max_len, out_dir):
    """A Gemma-style SentencePiece BPE model (byte fallback, no dummy prefix, digits split,
    Gemma's special ids) trained on COCO captions, loaded by transformers' `GemmaTokenizer` with
    SigLIP 2's settings and saved as `tokenizer.json` + `tokenizer_config.json` in `out_dir`.
    Returns the tokenizer reloaded from `out_dir` alone (as transformers reads the checkpoint)."""
    from transformers import AutoTokenizer
    texts = [json.loads(line)["caption"] for line in COCO.open(encoding="utf-8")]
    corpus = Path(tmp) / "gemma-captions.txt"
    corpus.write_text("\n".join(texts) + "\n", "utf-8")
    prefix = Path(tmp) / "gemma"
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size, model_type="bpe",
        byte_fallback=True, split_digits=True, allow_whitespace_only_pieces=True,
        add_dummy_prefix=False, remove_extra_whitespaces=False, normalization_rule_name="identity",
        character_coverage=1.0, num_threads=2, minloglevel=2, **GEMMA_SPECIALS)
    src = Path(tmp) / "gemma-src"
    src.mkdir(exist_ok=True)
    (src / "tokenizer.model").write_bytes(Path(str(prefix) + ".model").read_bytes())
    settings = {"tokenizer_class": "GemmaTokenizer", "add_bos_token": False,
                "add_eos_token": True, "padding_side": "right", "model_input_names": ["input_ids"],
                "pad_token": "<pad>", "eos_token": "<eos>", "bos_token": "<bos>",
                "unk_token": "<unk>", "mask_token": "<mask>", "model_max_length": max_len}
    (src / "tokenizer_config.json").write_text(json.dumps(settings))
    AutoTokenizer.from_pretrained(str(src)).save_pretrained(str(out_dir))
    cfg_path = out_dir / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text())
    for k in ("vocab_file", "is_local", "local_files_only"):  # where it was made, not what
        cfg.pop(k, None)
    for k in ("add_bos_token", "add_eos_token"):  # as the Hub repositories spell them out
        cfg[k] = settings[k]
    cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")
    return AutoTokenizer.from_pretrained(str(out_dir))


def siglip2_family(root, tiny, tmp, paths, texts):
    from transformers import AutoProcessor, AutoTokenizer
    import shutil
    max_len = 16 if tiny else 64
    d = root / "siglip2"
    d.mkdir(parents=True, exist_ok=True)
    # the config is written first: AutoTokenizer reads model_type from it
    if tiny:
        text = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                    num_attention_heads=4, max_position_embeddings=max_len)
        vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, image_size=32, patch_size=8)
    else:  # google/siglip2-base-patch16-224 geometry (its vocabulary has 256000 entries)
        text = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                    num_attention_heads=12, max_position_embeddings=64)
        vision = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                      num_attention_heads=12, image_size=224, patch_size=16)
    (d / "config.json").write_text(json.dumps({"model_type": "siglip"}))
    tok = gemma_tokenizer(tmp, 700 if tiny else 4000, max_len, d)
    assert type(tok).__name__ == "GemmaTokenizer", type(tok)
    # pad_token_id in the model config (SiglipTextConfig's default 1) is not what the
    # processor pads with (<pad> = 0): transformers never reads it. Full size keeps the real
    # embedding table (256,000 rows; the locally trained tokenizer uses the first few thousand).
    text["vocab_size"] = len(tok) if tiny else 256000
    assert len(tok) <= text["vocab_size"], len(tok)
    torch.manual_seed(11)
    model = SiglipModel(SiglipConfig(text_config=text, vision_config=vision)).eval()
    perturb(model, 11)
    model.save_pretrained(str(d))
    size = vision["image_size"]
    SiglipImageProcessorPil(size={"height": size, "width": size}, resample=2).save_pretrained(str(d))
    processor = AutoProcessor.from_pretrained(str(d))
    enc = processor(text=texts, padding="max_length", max_length=max_len, truncation=True,
                    return_tensors="pt")
    assert "attention_mask" not in enc, list(enc.keys())
    with torch.no_grad():
        tf = model.get_text_features(**enc).pooler_output
        px = processor(images=[Image.open(p) for p in paths], return_tensors="pt")["pixel_values"]
        imf = model.get_image_features(pixel_values=px).pooler_output
    exp = {"texts": texts, "images": [p.name for p in paths],
           "ids": enc["input_ids"].tolist(), "attention_mask": None,
           "text_features": rows(tf), "image_features": rows(imf),
           "logit_scale": float(model.logit_scale), "logit_bias": float(model.logit_bias)}
    # what transformers does with two variants of the same files
    variants = {}
    for name, edit in {
        "tokenizer_class_siglip2": lambda c, j: c.update(tokenizer_class="Siglip2Tokenizer"),
        "lowercase_in_tokenizer_json": lambda c, j: j.update(normalizer={
            "type": "Sequence", "normalizers": [{"type": "Lowercase"}, j["normalizer"]]}),
    }.items():
        v = Path(tmp) / name
        shutil.rmtree(v, ignore_errors=True)
        shutil.copytree(d, v)
        c = json.loads((v / "tokenizer_config.json").read_text())
        j = json.loads((v / "tokenizer.json").read_text())
        edit(c, j)
        (v / "tokenizer_config.json").write_text(json.dumps(c))
        (v / "tokenizer.json").write_text(json.dumps(j))
        vt = AutoTokenizer.from_pretrained(str(v))
        variants[name] = {"class": type(vt).__name__,
                          "ids": vt(texts, truncation=True, max_length=max_len)["input_ids"]}
    exp["tokenizer_variants"] = variants
    (d / "expected.json").write_text(json.dumps(exp) + "\n")
    # no attention mask to cut the padding with: the ids the tokenizer gives unpadded, checked
    # to be the processor's ids up to the <pad> run
    unpadded = processor.tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]
    pad = processor.tokenizer.pad_token_id
    for row, padded in zip(unpadded, exp["ids"]):
        assert padded == row + [pad] * (max_len - len(row)), (row, padded)
    write_refs(d, exp, tiny, unpadded)
    print("siglip2 written; variants:", {k: v["class"] for k, v in variants.items()})


def main():
    mode = sys.argv[1]
    tiny = mode == "tiny"
    root = FIXTURES if tiny else Path(sys.argv[2])
    only = set(sys.argv[2:] if tiny else sys.argv[4:])
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if tiny:
            paths = images(root / "images")
        else:
            paths = [Path(p) for p in Path(sys.argv[3]).read_text().split()]
        texts = CAPTIONS if tiny else [l for l in (TOP / "benchmarks/parity/captions.txt")
                                      .read_text().splitlines()]
        for name, make in (("openclip", openclip_family), ("siglip", siglip_family),
                           ("siglip2", siglip2_family)):
            if not only or name in only:
                make(root, tiny, tmp, paths, texts)


if __name__ == "__main__":
    main()
