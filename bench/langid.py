"""Language flags on held-out mixed-language sets: the QA's (pairs) and the documents' (paragraphs).

    python bench/langid.py                # test part (Text+Berg test0-6 + the test rows of the English/Italian set)
    python bench/langid.py --set dev      # dev part (Text+Berg dev + the dev rows)

The set is built from public text that is not the seeds: German-French sentence pairs of the
Text+Berg gold 1-1 beads (``../shared/benchmarks/textberg/``) and English and Italian sentences
written for this bench (``bench/data/mixed_en_it.tsv``). The pairs the QA checks (source German,
target French) are of four kinds:

* ``clean``: a gold pair (no language flag expected);
* ``tgt-other``: the target replaced by an English or Italian sentence (``other-language`` on the target);
* ``src-other``: the source replaced by one (``other-language`` on the source);
* ``untranslated``: the target replaced by the next German sentence (``untranslated``).

Only pairs whose tested side has the letters the check needs (``QAConfig.language_min_letters``)
count.

The paragraph set is documents built from a Text+Berg document (German or French, its lines
grouped into paragraphs of 1 to 4 lines, so that both short paragraphs and long ones occur) with a
paragraph in another language after every sixth: a line or two of the document's other side, a
help text of GnuPG (``/usr/share/gnupg``: Spanish, Portuguese, Italian, English, French, German;
even entries dev, odd ones test) or a sentence of the English/Italian set, every other one cut to
its first sentence. A paragraph in another language should be excluded as ``other-language``
(``aligner.document.make_document``, every default language in play), no other paragraph should.
For the pairs it prints precision and recall of ``other-language`` and ``untranslated``, the
outcome per kind and the time of the QA stage on the set in this process (lingua's model loading included), and the
accuracy of lingua's top language in high- and low-accuracy mode over the ten default languages by
sentence length (why ``aligner.langid.LONG_TEXT`` is 120); for the paragraphs, precision and
recall of ``other-language``, for short (< ``LONG_TEXT`` characters) and long paragraphs too.
The refusal set (``support_documents``): translated messages of the gettext catalogs Debian's packages
ship (``/usr/share/locale``), a document per locale; for two sets of languages in play it prints how
many documents the every-language check (``aligner.langid.check_supported``) refuses and whether the
pipeline (``make_document``) refuses exactly those. Last, what lingua's first reading costs in a fresh
process (mostly the loading of its models), per mode and language set.
Run a copy of it with ``PYTHONPATH`` pointing at an older checkout (and ``--data``) to compare;
the last line, ``SUMMARY``, has every figure.
"""

from __future__ import annotations

import argparse
import re
import struct
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "textberg"
MIXED = Path(__file__).resolve().parent / "data" / "mixed_en_it.tsv"
GNUPG = Path("/usr/share/gnupg")
GNUPG_LANGS = ("es", "pt", "it", "en", "fr", "de")
LOCALE = Path("/usr/share/locale")
SUPPORT_MESSAGES = 12  # translated messages per document of the refusal set
SUPPORT_SETS = (("en", "de", "fr", "it", "es", "pt", "nl", "ru", "zh", "ja"), ("de", "fr"))
# format directives, markup, mnemonics and escapes in a translated message: no language in them
_NOT_TEXT = re.compile(r"%[-+ #0-9.$*']*[a-zA-Z]|\{[^}]*\}|<[^>]*>|_(?=\w)|&(?=\w)|\\[ntr]")
_REFUSED = re.compile(r"\((\w+)\), not in a language in play")
CODES = ("other-language", "untranslated")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def parallel_pairs(names: list[str], data: Path) -> list[tuple[str, str]]:
    """(German, French) sentence pairs of the gold 1-1 beads of the Text+Berg documents ``names``."""
    from aligner.evaluate import read_beads

    out = []
    for name in names:
        de, fr = _lines(data / f"{name}.de"), _lines(data / f"{name}.fr")
        for src, tgt in read_beads(data / f"{name}.defr"):
            if len(src) == 1 and len(tgt) == 1:
                out.append((de[src[0]].strip(), fr[tgt[0]].strip()))
    return out


def foreign(split: str) -> list[tuple[str, str]]:
    """(language, sentence) rows of the English/Italian set for ``split``."""
    rows = []
    for line in MIXED.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, part, text = line.split("\t")
            if part == split:
                rows.append((lang, text))
    return rows


def build_cases(pairs: list[tuple[str, str]], others: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(kind, source, target) cases (see the module docstring)."""
    cases = [("clean", de, fr) for de, fr in pairs]
    for k, (_, text) in enumerate(others):
        de, fr = pairs[(7 * k) % len(pairs)]
        cases.append(("tgt-other", de, text))
        cases.append(("src-other", text, fr))
    for k in range(0, len(pairs) - 1, 5):
        cases.append(("untranslated", pairs[k][0], pairs[k + 1][0]))
    return cases


def expected(kind: str) -> tuple[str, str] | None:
    return {"tgt-other": ("other-language", "tgt"), "src-other": ("other-language", "src"),
            "untranslated": ("untranslated", "tgt")}.get(kind)


def modes_by_length(texts: list[tuple[str, str]]) -> list[tuple[str, int, float, float]]:
    """(length bin, sentences, accuracy high, accuracy low) of lingua's top language over the defaults."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    from aligner.config import DEFAULT_LANGUAGES

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in DEFAULT_LANGUAGES]
    high = LanguageDetectorBuilder.from_languages(*langs).build()
    low = LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()
    bins = [("<60", 0, 60), ("60-119", 60, 120), ("120-199", 120, 200), (">=200", 200, 10 ** 9)]
    out = []
    for label, lo, hi in bins:
        chosen = [(lang, t) for lang, t in texts if lo <= len(t) < hi]
        if chosen:
            out.append((label, len(chosen), _accuracy(high, chosen), _accuracy(low, chosen)))
    return out


def _accuracy(detector, texts: list[tuple[str, str]]) -> float:  # type: ignore[no-untyped-def]
    got = [detector.detect_language_of(t) for _, t in texts]
    return sum(g is not None and g.iso_code_639_1.name.lower() == lang for g, (lang, _) in zip(got, texts)) / len(texts)


def gnupg_entries(lang: str) -> list[str]:
    """The help texts of GnuPG's ``help.LANG.txt`` (``help.txt`` for English), each joined into one line."""
    path = GNUPG / ("help.txt" if lang == "en" else f"help.{lang}.txt")
    out: list[str] = []
    entry: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if entry is None and line.startswith(".") and len(line) > 1:
            entry = []
        elif entry is not None and line == ".":
            if any(entry):
                out.append(" ".join(x.strip() for x in entry if x.strip()))
            entry = None
        elif entry is not None:
            entry.append(line)
    return out


def foreign_paragraphs(split: str) -> list[tuple[str, str]]:
    """(language, text) of the paragraphs inserted into the documents of ``split``."""
    rows = [(lang, text) for lang in GNUPG_LANGS
            for k, text in enumerate(gnupg_entries(lang)) if (k % 2 == 0) == (split == "dev")]
    return rows + foreign(split)


def mixed_documents(names: list[str], data: Path, split: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(main language, [(language, paragraph)]) documents of the paragraph set (see the module docstring)."""
    pool = foreign_paragraphs(split)
    docs = []
    j = 0
    for name in names:
        for main, other in (("de", "fr"), ("fr", "de")):
            lines = [x.strip() for x in _lines(data / f"{name}.{main}") if x.strip()]
            others = [x.strip() for x in _lines(data / f"{name}.{other}") if x.strip()]
            paras: list[tuple[str, str]] = []
            i = k = 0
            while i < len(lines):
                n = (1, 3, 2, 1, 4)[k % 5]
                paras.append((main, " ".join(lines[i:i + n])))
                i, k = i + n, k + 1
                if k % 6:
                    continue
                if j % 3:
                    lang, body = pool[j % len(pool)]
                else:
                    at = (j * 3) % len(others)
                    lang, body = other, " ".join(others[at:at + 1 + j % 2])
                if lang != main:
                    paras.append((lang, re.split(r"(?<=[.!?])\s+", body)[0] if (j // 2) % 2 else body))
                j += 1
            docs.append((main, paras))
    return docs


def mo_messages(path: Path) -> list[str]:
    """The translations of a gettext catalog (``.mo``) that differ from their message, each plural form apart."""
    data = path.read_bytes()
    order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
    _, _, n, originals, translations = struct.unpack_from(order + "5I", data)
    out = []
    for k in range(n):
        msg_len, msg_at = struct.unpack_from(order + "2I", data, originals + 8 * k)
        tr_len, tr_at = struct.unpack_from(order + "2I", data, translations + 8 * k)
        msgid, msgstr = data[msg_at:msg_at + msg_len], data[tr_at:tr_at + tr_len]
        if msgid and msgstr != msgid:
            out += msgstr.decode("utf-8", "replace").split("\0")
    return out


def support_documents(split: str) -> list[tuple[str, str]]:
    """(locale, text) of the refusal set: for each locale of ``/usr/share/locale`` (the translations
    Debian's packages ship), ``SUPPORT_MESSAGES`` translated messages with 40 letters or more, one a
    paragraph, from the catalogs of ``split`` (a catalog's split by its name, so dev and test read
    different programs' messages in every language)."""
    docs = []
    for locale in sorted(LOCALE.iterdir()):
        catalogs = sorted(p for p in (locale / "LC_MESSAGES").glob("*.mo") if not p.name.startswith("iso_")
                          and (zlib.crc32(p.stem.encode()) % 2 == 0) == (split == "dev"))
        picked: dict[str, None] = {}
        for catalog in catalogs:
            for message in mo_messages(catalog):
                text = " ".join(_NOT_TEXT.sub(" ", message).split())
                if "\ufffd" not in text and sum(map(str.isalpha, text)) >= 40:
                    picked[text] = None
                if len(picked) >= SUPPORT_MESSAGES:
                    break
            if len(picked) >= SUPPORT_MESSAGES:
                break
        if len(picked) >= SUPPORT_MESSAGES // 2:
            docs.append((locale.name, "\n\n".join(picked)))
    return docs


def support_verdicts(docs: list[tuple[str, str]], languages: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(locale, check, pipeline) per document: the every-language check's verdict
    (``aligner.langid.check_supported``: ``ok`` or the code of the language it refuses) and the
    pipeline's (``make_document``: ``ok``, the code refused, or ``error`` for another LanguageError)."""
    from aligner.config import DocConfig
    from aligner.document import make_document
    from aligner.errors import LanguageError
    from aligner.langid import check_supported

    def verdict(run, *args) -> str:  # type: ignore[no-untyped-def]
        try:
            run(*args)
        except LanguageError as err:
            found = _REFUSED.search(str(err))
            return found.group(1) if found else "error"
        return "ok"

    config = DocConfig(languages=languages)
    return [(locale, verdict(check_supported, text, languages), verdict(make_document, text, locale, config))
            for locale, text in docs]


_LOAD_PROBE = """
import resource, sys
sys.path.insert(0, {root!r})
from aligner import langid
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
import lingua
start = cpu()
{call}
print(cpu() - start)
"""
# (what, call): lingua's first use in a fresh process, the cost of loading the models it needs
LOAD_CASES = (
    ("low-accuracy, the 10 default languages", "langid.confidences(TEXT, DEFAULT, low_accuracy=True)"),
    ("high-accuracy, de and fr", "langid.confidences(TEXT, ('de', 'fr'), low_accuracy=False)"),
    ("high-accuracy, the 7 Latin-script defaults",
     "langid.confidences(TEXT, ('de', 'fr', 'en', 'it', 'es', 'pt', 'nl'), low_accuracy=False)"),
    ("every language, low-accuracy (the support check)", "langid.check_supported(TEXT * 20, DEFAULT)"),
)


def load_costs() -> list[tuple[str, float]]:
    """(case, CPU seconds) of each of ``LOAD_CASES`` in a fresh process: lingua 2.1 keeps its models as
    compressed JSON, so what a reading costs the first time is mostly the loading of its models."""
    import subprocess

    root = str(Path(__file__).resolve().parents[1])
    setup = ("TEXT = 'Die Hütte liegt am Ende des Tals, und der Weg zum Gipfel ist gut markiert. '\n"
             "from aligner.config import DEFAULT_LANGUAGES as DEFAULT\n")
    out = []
    for what, call in LOAD_CASES:
        code = _LOAD_PROBE.format(root=root, call=setup + call)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out.append((what, float(done.stdout.split()[-1])))
    return out


def paragraph_flags(docs: list[tuple[str, list[tuple[str, str]]]]) -> dict[str, list[int]]:
    """[tp, fp, fn] of ``other-language`` exclusions, for all, short and long paragraphs."""
    from aligner.document import make_document
    from aligner.langid import LONG_TEXT

    counts = {k: [0, 0, 0] for k in ("all", "short", "long")}
    for n, (main, paras) in enumerate(docs):
        starts = []
        text = ""
        for _, para in paras:
            starts.append(len(text))
            text += para + "\n\n"
        excluded = {e.start for e in make_document(text, f"doc{n}").exclusions if e.reason == "other-language"}
        for (lang, para), start in zip(paras, starts):
            want, got = lang != main, start in excluded
            cell = 0 if want and got else 1 if got else 2 if want else None
            if cell is not None:
                for key in ("all", "short" if len(para) < LONG_TEXT else "long"):
                    counts[key][cell] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=("test", "dev"), default="test")
    parser.add_argument("--data", default=str(DATA))
    args = parser.parse_args()
    names = [f"test{k}" for k in range(7)] if args.set == "test" else ["dev"]
    pairs = parallel_pairs(names, Path(args.data))
    others = foreign(args.set)

    from aligner.langid import letters
    from aligner.qa import check_pairs
    from aligner.qa.checks import QAConfig
    from aligner.types import AlignedPair, Bead

    need = QAConfig().language_min_letters
    cases = [c for c in build_cases(pairs, others)
             if letters(c[2] if c[0] in ("tgt-other", "untranslated") else c[1]) >= need]
    batch = [AlignedPair(Bead((k,), (k,), 0.8), s, t) for k, (_, s, t) in enumerate(cases)]
    t0 = time.perf_counter()
    checked = check_pairs(batch, "de", "fr")
    elapsed = time.perf_counter() - t0

    tp = dict.fromkeys(CODES, 0)
    fp = dict.fromkeys(CODES, 0)
    fn = dict.fromkeys(CODES, 0)
    outcome: dict[str, dict[str, int]] = {}
    for (kind, _, _), pair in zip(cases, checked):
        flags = {(f.code, f.side) for f in pair.flags if f.code in CODES}
        want = expected(kind)
        for flag in flags:
            if flag == want:
                tp[flag[0]] += 1
            else:
                fp[flag[0]] += 1
        if want is not None and want not in flags:
            fn[want[0]] += 1
        row = outcome.setdefault(kind, {})
        key = ",".join(sorted(f"{c}@{s}" for c, s in flags)) or "none"
        row[key] = row.get(key, 0) + 1

    def pr(code: str) -> tuple[float, float]:
        return (tp[code] / max(tp[code] + fp[code], 1), tp[code] / max(tp[code] + fn[code], 1))

    print(f"set={args.set}: {len(cases)} pairs ({', '.join(f'{k} {sum(v.values())}' for k, v in outcome.items())})")
    for code in CODES:
        p, r = pr(code)
        print(f"  {code:15} precision {p:.3f} recall {r:.3f} (tp {tp[code]}, fp {fp[code]}, fn {fn[code]})")
    for kind, row in outcome.items():
        print(f"  {kind:13} " + ", ".join(f"{k} {v}" for k, v in sorted(row.items(), key=lambda kv: -kv[1])))
    print(f"QA stage on the set: {elapsed:.2f} s in this process ({len(cases)} pairs, lingua's models loaded "
          f"on first use)")

    docs = mixed_documents(names, Path(args.data), args.set)
    t0 = time.perf_counter()
    para = paragraph_flags(docs)
    para_s = time.perf_counter() - t0

    def ppr(key: str) -> tuple[float, float]:
        hit, false, missed = para[key]
        return hit / max(hit + false, 1), hit / max(hit + missed, 1)

    print(f"paragraphs: {len(docs)} documents, {sum(len(p) for _, p in docs)} paragraphs "
          f"({sum(lang != main for main, p in docs for lang, _ in p)} in another language), {para_s:.2f} s")
    for key in ("all", "short", "long"):
        print(f"  other-language {key:5} precision {ppr(key)[0]:.3f} recall {ppr(key)[1]:.3f} "
              f"(tp {para[key][0]}, fp {para[key][1]}, fn {para[key][2]})")

    support_docs = support_documents(args.set)
    t0 = time.perf_counter()
    support = {langs: support_verdicts(support_docs, langs) for langs in SUPPORT_SETS}
    support_s = time.perf_counter() - t0
    support_summary = []
    for langs, rows in support.items():
        refused = [r for r in rows if r[1] != "ok"]
        changed = [r for r in rows if r[1] != r[2]]
        in_play = [r for r in rows if re.split(r"[_@]", r[0])[0] in langs]
        print(f"support ({','.join(langs)}): {len(rows)} documents ({len(in_play)} in a language in play), "
              f"the check refuses {len(refused)}, the pipeline {sum(r[2] != 'ok' for r in rows)}; "
              f"in-play documents refused {sum(r[2] != 'ok' for r in in_play)}; pipeline verdicts that differ "
              f"from the check's: {len(changed)}"
              + "".join(f"\n    {loc}: check {c}, pipeline {p}" for loc, c, p in changed))
        support_summary.append(f"support{len(langs)}_refused={len(refused)} support{len(langs)}_changed={len(changed)}")
    print(f"  support set: {len(support_docs)} documents of {SUPPORT_MESSAGES} messages from {LOCALE}, "
          f"{support_s:.2f} s")

    costs = load_costs()
    print("lingua's models, CPU time of the first reading in a fresh process (the models it loads):")
    for what, cost in costs:
        print(f"  {what:50} {cost:.3f} s")

    singles = [("de", s) for s, _ in pairs] + [("fr", t) for _, t in pairs] + others
    table = modes_by_length(singles)
    print("lingua top language over the 10 default languages, by sentence length (characters):")
    for label, n, high, low in table:
        print(f"  {label:8} {n:5} sentences  high-accuracy {high:.3f}  low-accuracy {low:.3f}")
    print(f"SUMMARY set={args.set} pairs={len(cases)} "
          + " ".join(f"{c.split('-')[0]}_P={pr(c)[0]:.3f} {c.split('-')[0]}_R={pr(c)[1]:.3f}" for c in CODES)
          + f" qa_s={elapsed:.2f} para_other_P={ppr('all')[0]:.3f} para_other_R={ppr('all')[1]:.3f} "
          + " ".join(f"acc_{label}={high:.3f}/{low:.3f}" for label, _, high, low in table) + " "
          + " ".join(support_summary) + " load_cpu=" + "/".join(f"{cost:.3f}" for _, cost in costs))


if __name__ == "__main__":
    main()
