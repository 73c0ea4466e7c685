"""Drawing's memory (issue 25): what fpdf2 imports but the plan's PDF never runs stays unrun until something uses
it (handlers/pictures/pdf.py `unexecuted`), and then works as if imported as usual."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import fresh_python
from handlers.pictures import pdf as P

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package `toy_unrun` whose code, when run, records it in `toy_ran`; with a submodule `toy_unrun.part`."""
    package = tmp_path / "toy_unrun"
    package.mkdir()
    (package / "__init__.py").write_text("import toy_ran\ntoy_ran.runs.append('package')\nNAME = 'toy'\n")
    (package / "part.py").write_text("import toy_ran\ntoy_ran.runs.append('part')\nVALUE = 3\n")
    (tmp_path / "toy_ran.py").write_text("runs = []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    for name in [m for m in sys.modules if m.startswith(("toy_unrun", "toy_ran"))]:
        del sys.modules[name]


def test_an_unexecuted_module_runs_when_a_name_of_it_is_asked_for(toy: Path) -> None:
    import toy_ran

    P.unexecuted("toy_unrun")
    import toy_unrun

    assert toy_ran.runs == []
    from toy_unrun import part  # a submodule imports alone

    assert part.VALUE == 3 and toy_ran.runs == ["part"]
    assert toy_unrun.NAME == "toy" and toy_ran.runs == ["part", "package"]
    assert toy_unrun.part is part and toy_unrun.NAME == "toy" and toy_ran.runs == ["part", "package"]
    with pytest.raises(AttributeError):
        toy_unrun.MISSING  # noqa: B018


def test_an_imported_module_is_left_as_it_is(toy: Path) -> None:
    import toy_ran
    import toy_unrun

    P.unexecuted("toy_unrun")
    assert sys.modules["toy_unrun"] is toy_unrun and toy_ran.runs == ["package"]


def test_the_pdf_runs_no_variable_font_code_until_asked(tmp_path: Path) -> None:
    """A PDF drawn without running fontTools' variable-font code (varLib's package, its instancer); asked for
    afterwards, both work as usual."""
    code = ("import sys\n"
            "from types import SimpleNamespace as N\n"
            "from handlers.pictures import pdf_bytes\n"
            "assert pdf_bytes('Plan', 'today', [N(title='Pillars', lines=['one', 'two'])]).startswith(b'%PDF')\n"
            "print(sorted(m for m in ('fontTools.varLib.merger', 'fontTools.designspaceLib',"
            " 'fontTools.varLib.instancer.solver') if m in sys.modules))\n"
            "from fontTools.varLib import instancer\n"
            "import fontTools.varLib\n"
            "print(callable(instancer.instantiateVariableFont), callable(fontTools.varLib.build),"
            " 'fontTools.varLib.merger' in sys.modules)\n")
    assert fresh_python(code, tmp_path)[-2:] == ["[]", "True True True"]


def test_the_card_faces_draw_a_plan_exactly_as_the_whole_faces(monkeypatch: pytest.MonkeyPatch) -> None:
    """The card's faces are cut to the characters plans use (fonts.card_faces: ~20 sizes of the whole faces cost
    ~15 MB resident), keeping outlines, hinting and kerning: the same card, pixel for pixel."""
    import contextlib
    import io

    from PIL import Image, ImageChops

    import answers as A
    from bot.i18n import Catalog
    from conftest import PERSONA_ID
    from handlers.pictures import card as C
    from handlers.pictures import fonts as F

    catalog = Catalog()
    facts = C.card_facts(A.plan_answers(PERSONA_ID, "id"), lambda key, **kw: catalog.t("id", key, **kw))
    cut = C.render_card(facts).png

    @contextlib.contextmanager
    def whole(texts: Any) -> Any:
        token = F._WHOLE.set(True)
        try:
            yield
        finally:
            F._WHOLE.reset(token)

    monkeypatch.setattr(C, "faces_for", whole)
    full = C.render_card(facts).png
    a, b = (Image.open(io.BytesIO(png)).convert("RGB") for png in (cut, full))
    assert ImageChops.difference(a, b).getbbox() is None


def test_a_text_the_card_faces_lack_is_drawn_with_the_whole_faces() -> None:
    from handlers.pictures import fonts as F

    with F.faces_for(["Budi Santoso", "Rp 1.500.000 – “jujur”"]):
        assert not isinstance(F.pil_font(30).path, str)  # the cut face, read from bytes
    with F.faces_for(["Сергей Иванов"]):
        assert F.pil_font(30).path == str(F.REGULAR)  # Cyrillic: the whole face


def test_a_module_left_unrun_runs_once_when_two_threads_ask_at_once(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """pdf.unexecuted: the second thread waits for the first one's run of the module's code (it found neither the
    name nor the hook while the code ran, and got AttributeError: review finding)."""
    import threading
    import types

    gate = types.SimpleNamespace(entered=threading.Event(), release=threading.Event(), runs=0)
    monkeypatch.setitem(sys.modules, "bc_gate", gate)  # type: ignore[arg-type]
    (tmp_path / "bc_unrun.py").write_text(
        "import bc_gate\nbc_gate.runs += 1\nbc_gate.entered.set()\nbc_gate.release.wait(10)\nFIRST = 1\nSECOND = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "bc_unrun", raising=False)
    P.unexecuted("bc_unrun")
    module = sys.modules["bc_unrun"]
    got: dict[str, Any] = {}

    def ask(name: str) -> None:
        try:
            got[name] = getattr(module, name)
        except Exception as exc:  # noqa: BLE001  # what the test looks for
            got[name] = exc

    first = threading.Thread(target=ask, args=("FIRST",))
    first.start()
    assert gate.entered.wait(10)  # the first thread is running the module's code
    second = threading.Thread(target=ask, args=("SECOND",))
    second.start()
    second.join(1)  # it asks while the first still runs the code (it waits for it now; it used to fail at once)
    gate.release.set()
    first.join(10)
    second.join(10)
    assert got == {"FIRST": 1, "SECOND": 2} and gate.runs == 1
    sys.modules.pop("bc_unrun", None)
