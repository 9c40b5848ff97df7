"""Signs that a submission tampered with the kernel that grades it.

A notebook's code runs in the same Python as the tests that grade it, so it can change how
the tests run: an input transformer that turns every test cell into ``pass``, a patched
``kernel.do_execute`` that reports success, ``sys.settrace``, replaced builtins, a
redefined test helper (``lay_dap_an = lambda x: "C"``). None of this can be prevented from
inside the kernel; it can be noticed, and the grade flagged "cần xem lại":

* statically, in the code the participant wrote (``static_findings``);
* at run time, by a probe cell the grader runs after every cell (``probe_cell``). Each probe
  first prints a fingerprint of the kernel's machinery, then raises ``AssertionError`` with
  a random nonce. A kernel whose transformers, ``do_execute`` or error display were altered
  fails to report that error exactly, or shows a changed fingerprint (``analyse``).

A submission that knows this design could still evade it (see the instructor guide:
"Chấm tự động chứng minh được gì"); the point is that the common ways are caught and none
of them yields a silent 10/10.
"""

from __future__ import annotations

import ast
import json
import re
import secrets

from nbformat import NotebookNode

# Names whose presence in participant code is itself a signal (no exercise needs them).
STATIC = {
    "input_transformers_cleanup": "thêm bộ biến đổi mã đầu vào (input_transformers)",
    "input_transformers_post": "thêm bộ biến đổi mã đầu vào (input_transformers)",
    "input_transformer_manager": "thay bộ biến đổi mã đầu vào",
    "ast_transformers": "thêm bộ biến đổi cây cú pháp (ast_transformers)",
    "do_execute": "sửa hàm chạy ô của kernel (do_execute)",
    "execute_request": "sửa hàm chạy ô của kernel (execute_request)",
    "shell_handlers": "sửa bảng xử lý yêu cầu của kernel",
    "run_cell": "sửa hoặc gọi trực tiếp hàm chạy ô (run_cell)",
    "run_cell_async": "sửa hàm chạy ô (run_cell_async)",
    "run_ast_nodes": "sửa hàm chạy ô (run_ast_nodes)",
    "transform_cell": "sửa hàm biến đổi ô (transform_cell)",
    "showtraceback": "ẩn báo lỗi (showtraceback)",
    "_showtraceback": "ẩn báo lỗi (showtraceback)",
    "set_custom_exc": "ẩn báo lỗi (set_custom_exc)",
    "settrace": "cài hàm theo dõi (sys.settrace)",
    "setprofile": "cài hàm theo dõi (sys.setprofile)",
    "builtins": "sửa hàm có sẵn của Python (builtins)",
    "__builtins__": "sửa hàm có sẵn của Python (builtins)",
}
# Parts of the kernel whose identity is fingerprinted by every probe.
SHELL_METHODS = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "transform_cell",
                 "showtraceback", "_showtraceback", "showsyntaxerror", "should_run_async",
                 "set_custom_exc")
KERNEL_METHODS = ("do_execute", "execute_request", "dispatch_shell", "send_response")
PROBE_KEY = "autograder_probe"
SKIPPED_KEY = "autograder_probe_skipped"


def _words(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython syntax (magics): plain words then
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.alias):
            found.update(node.name.split("."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value))
    return found


def _bound(code: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Names a cell binds, and (module, attribute) pairs it assigns."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), set()
    names: set[str] = set()
    attrs: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                and isinstance(node.value, ast.Name):
            attrs.add((node.value.id, node.attr))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("setattr",
                                                                            "delattr") \
                and node.args and isinstance(node.args[0], ast.Name):
            attrs.add((node.args[0].id, "*"))
    return names, attrs


def _meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def instructor_cells(source_nb: NotebookNode) -> tuple[list[str], list[str]]:
    """(setup cell sources: locked code that is neither answer nor test, test sources)."""
    setup, tests = [], []
    for cell in source_nb.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or meta.get("solution"):
            continue
        if meta.get("grade"):
            tests.append(cell.source)
        elif meta.get("locked"):
            setup.append(cell.source)
    return setup, tests


def helpers(source_nb: NotebookNode) -> list[str]:
    """Expressions the tests rely on: setup-cell names used by tests, and the attributes of
    setup-imported modules that tests call (``course.review_prompt``)."""
    setup, tests = instructor_cells(source_nb)
    bound: set[str] = set()
    for code in setup:
        bound |= _bound(code)[0]
    out: set[str] = set()
    for code in tests:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in bound:
                out.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id in bound and isinstance(node.ctx, ast.Load):
                out.add(f"{node.value.id}.{node.attr}")
    return sorted(out)


def static_findings(submitted: NotebookNode, source_nb: NotebookNode) -> list[str]:
    """Vietnamese findings about code the participant wrote (cells not identical to the
    instructor's locked cells)."""
    theirs = {c.source for c in source_nb.cells if c.cell_type == "code"
              and not _meta(c).get("solution")}
    helper_exprs = helpers(source_nb)
    helper_names = {h.split(".")[0] for h in helper_exprs}
    found: list[str] = []
    for cell in submitted.cells:
        if cell.get("cell_type") != "code" or cell.get("source", "") in theirs:
            continue
        code = cell.get("source", "")
        for word in sorted(_words(code) & set(STATIC)):
            found.append(STATIC[word])
        names, attrs = _bound(code)
        for name in sorted(names & {h for h in helper_exprs if "." not in h}):
            found.append(f"định nghĩa lại hàm kiểm tra '{name}'")
        for mod, attr in sorted(attrs):
            if mod in helper_names:
                found.append(f"sửa '{mod}.{attr}' mà bài kiểm tra dùng" if attr != "*"
                             else f"sửa thuộc tính của '{mod}' mà bài kiểm tra dùng")
    return list(dict.fromkeys(found))


def nonce() -> str:
    return "agp" + secrets.token_hex(12)


def probe_cell(tag: str, helper_exprs: list[str]) -> NotebookNode:
    """A cell the grader runs after each notebook cell (never shown, never graded)."""
    from nbformat.v4 import new_code_cell

    fn = f"_{tag}"
    code = f'''def {fn}():
    import builtins, json, sys, threading, types
    ip = get_ipython()
    kernel = getattr(ip, "kernel", None)
    def ident(obj):
        return id(getattr(obj, "__func__", obj)) if obj is not None else None
    state = {{"cleanup": [id(t) for t in ip.input_transformers_cleanup],
             "post": [id(t) for t in ip.input_transformers_post],
             "ast": [id(t) for t in ip.ast_transformers],
             "custom_exc": repr(ip.custom_exceptions),
             "trace": [repr(sys.gettrace()), repr(sys.getprofile()),
                       repr(getattr(threading, "_trace_hook", None)),
                       repr(getattr(threading, "_profile_hook", None))]}}
    for name in {SHELL_METHODS!r}:
        state["shell." + name] = [ident(getattr(ip, name, None)), name in vars(ip)]
    for name in {KERNEL_METHODS!r}:
        state["kernel." + name] = [ident(getattr(kernel, name, None)), name in vars(kernel)]
    state["handler"] = ident((getattr(kernel, "shell_handlers", None) or {{}}).get(
        "execute_request"))
    kinds = (type, types.BuiltinFunctionType)
    state["builtins"] = {{k: id(v) for k, v in vars(builtins).items()
                         if isinstance(v, kinds) and not k.startswith("__")}}
    helpers = {{}}
    for expr in {helper_exprs!r}:
        try:
            helpers[expr] = ident(eval(expr, ip.user_ns))
        except Exception:
            helpers[expr] = None
    state["helpers"] = helpers
    print("{tag}" + json.dumps(state))
try:
    {fn}()
finally:
    del {fn}
raise AssertionError("{tag}")'''
    cell = new_code_cell(code)
    cell.metadata[PROBE_KEY] = tag
    return cell


def _state(cell: dict, tag: str) -> tuple[dict | None, bool]:
    """(fingerprint printed by the probe, did it raise exactly its AssertionError)."""
    state = None
    raised = False
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            for line in "".join(out.get("text", "")).splitlines():
                if line.startswith(tag + "{"):
                    try:
                        state = json.loads(line[len(tag):])
                    except ValueError:
                        pass
        elif out.get("output_type") == "error":
            raised = raised or (out.get("ename") == "AssertionError"
                                and out.get("evalue") == tag)
    return state, raised


def setup_ids(source_nb: NotebookNode) -> list[str]:
    """grade_ids of the instructor's setup cells (locked, neither answer nor test)."""
    return [_meta(c)["grade_id"] for c in source_nb.cells
            if c.cell_type == "code" and _setup(c) and _meta(c).get("grade_id")]


def timed_out(cell: dict) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") in (
        "CellTimeoutError", "TimeoutError", "KeyboardInterrupt") for o in cell.get("outputs", []))


def analyse(probes: list[tuple[dict, dict | None]], tag: str,
            setup: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """``probes``: (probe cell after running, the notebook cell it followed or None for the
    first); ``setup``: grade_ids of the instructor's setup cells (``setup_ids``, from the
    source notebook: a participant can label a cell of their own "locked"). Returns
    Vietnamese findings; an empty list means nothing was noticed."""
    found: list[str] = []
    base: dict | None = None
    helper_base: dict = {}
    silenced = False
    for probe, after in probes:
        if probe.get("metadata", {}).get(SKIPPED_KEY):
            continue  # not run: the kernel had stopped answering
        if timed_out(probe):
            # After a cell that itself ran out of time the kernel may just be stuck.
            if after is not None and not timed_out(after):
                found.append(f"sau {_where(after)}, kernel không trả lời ô kiểm tra của "
                             "trình chấm")
            continue
        state, raised = _state(probe, tag)
        where = _where(after)
        if not raised and not silenced:
            silenced = True  # reported once, at the first cell after which it shows
            found.append(f"sau {where}, kernel không còn báo lỗi đúng như thật (bộ biến đổi "
                         "mã, do_execute hoặc cách hiện lỗi đã bị sửa)")
        if state is None:
            found.append(f"sau {where}, không đọc được trạng thái của kernel")
            continue
        if base is None:
            base = state
            helper_base = {k: v for k, v in state["helpers"].items() if v is not None}
            continue
        if after is not None and _setup(after) and _meta(after).get("grade_id") in setup:
            # The instructor's setup cells may change the kernel (``import course`` installs
            # its friendly error display): the new state is the reference. Test cells are
            # not exempt: a participant's function they call could make the change.
            base = {**state, "helpers": base.get("helpers", {})}
            helper_base.update({k: v for k, v in state["helpers"].items() if v is not None})
            continue
        for key, label in (("cleanup", "bộ biến đổi mã đầu vào (input_transformers)"),
                           ("post", "bộ biến đổi mã đầu vào (input_transformers_post)"),
                           ("ast", "bộ biến đổi cây cú pháp (ast_transformers)"),
                           ("custom_exc", "cách xử lý lỗi (set_custom_exc)"),
                           ("handler", "hàm nhận yêu cầu chạy ô của kernel")):
            if state.get(key) != base.get(key):
                found.append(f"sau {where}: {label} đã bị thay đổi")
        for key in [k for k in base if k.startswith(("shell.", "kernel."))]:
            if state.get(key) != base.get(key):
                found.append(f"sau {where}: hàm {key.split('.', 1)[1]} của kernel đã bị thay")
        if state.get("trace") != base.get("trace"):
            found.append(f"sau {where}: có hàm theo dõi (sys.settrace/setprofile)")
        changed = sorted(k for k, v in base["builtins"].items()
                         if state["builtins"].get(k) != v)
        if changed:
            found.append(f"sau {where}: hàm có sẵn của Python bị thay ({', '.join(changed[:5])})")
        # Each change is reported once, at the cell that made it.
        base = {**state, "helpers": base.get("helpers", {})}
        for expr, ident in state["helpers"].items():
            if ident is None or expr not in helper_base:
                if ident is not None:
                    helper_base[expr] = ident
                continue
            if ident != helper_base[expr]:
                found.append(f"sau {where}: hàm kiểm tra '{expr}' bị định nghĩa lại")
                helper_base[expr] = ident
    return list(dict.fromkeys(found))


def _setup(cell: dict) -> bool:
    """A locked instructor cell that is neither an answer nor a test."""
    meta = _meta(cell)
    return bool(meta.get("locked")) and not meta.get("grade") and not meta.get("solution")


def _where(cell: dict | None) -> str:
    if cell is None:
        return "khi bắt đầu"
    grade_id = _meta(cell).get("grade_id")
    return f"ô '{grade_id}'" if grade_id else "một ô học viên thêm"
