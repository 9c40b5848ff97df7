"""`make lab` entry point: `python -m course.lab [extra JupyterLab options]`.

Starts JupyterLab on the course start page with the participant settings in
`course/jupyter_config/` (the same folder Binder's `start` script uses): Vietnamese
interface, no news pop-up, larger fonts, nbgrader's instructor panels hidden, the
API-key scrubbing save hook, and every lesson's app view (Voilà, `/ung-dung/NN_….ipynb`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from course.config import backend_from_env

CONFIG_DIR = Path(__file__).resolve().parent / "jupyter_config"
DATA_DIR = CONFIG_DIR / "data"
START_PAGE = "notebooks/00_bat_dau.ipynb"
# The app view (Voilà) of the start page; course/app_links.py finds the lesson's folder.
APP_START = "/ung-dung/00_bat_dau.ipynb"


def project_root() -> Path:
    """The folder holding notebooks/: the checkout (editable install) or the current folder."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "notebooks").is_dir():
        return checkout
    return Path.cwd()


def is_offline(env: Mapping[str, str]) -> bool:
    """The kernel's own rule (`course.config.backend_from_env`), also used by binder/start."""
    return backend_from_env(env) == "offline"


def lab_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for the server: our config folder first on JUPYTER_CONFIG_PATH."""
    result = dict(os.environ if env is None else env)
    paths = [str(CONFIG_DIR)] + [p for p in result.get("JUPYTER_CONFIG_PATH", "").split(
        os.pathsep) if p and p != str(CONFIG_DIR)]
    result["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    # The course's "python3" kernel loads course.notebook at start (Vietnamese error help even
    # before `import course`); jupyter_client runs it with the server's own Python.
    data = [str(DATA_DIR)] + [p for p in result.get("JUPYTER_PATH", "").split(os.pathsep)
                              if p and p != str(DATA_DIR)]
    result["JUPYTER_PATH"] = os.pathsep.join(data)
    if is_offline(result):
        result["COURSE_BACKEND"] = "offline"
    return result


def lab_command(root: Path, extra: Sequence[str] = ()) -> list[str]:
    """The JupyterLab command line, opening the start page when it exists."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}"]
    if (root / START_PAGE).exists():
        cmd.append(f"--LabApp.default_url=/lab/tree/{START_PAGE}")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")  # containers and CI often run as root
    return cmd + list(extra)


def hints(env: Mapping[str, str], root: Path) -> list[str]:
    """Vietnamese lines printed before the server starts (never shows a key)."""
    lines = ["Đang mở JupyterLab cho khóa học "
             "\"Ứng dụng AI – ChatGPT trong sản xuất, kinh doanh\"..."]
    if (root / START_PAGE).exists():
        lines.append(f"Trang bắt đầu: {START_PAGE}")
        lines.append(f"Dạng ứng dụng (dễ dùng, chạy được trên điện thoại): thêm {APP_START} "
                     "vào sau địa chỉ http://127.0.0.1:... của JupyterLab.")
    else:
        lines.append(f"Chưa thấy trang bắt đầu {START_PAGE}; JupyterLab mở thư mục khóa học.")
    if is_offline(env):
        lines.append("Chưa có khóa API: khóa học chạy ở chế độ MÔ PHỎNG ngoại tuyến, "
                     "không cần mạng, không tốn tiền.")
        lines.append("Muốn dùng mô hình thật: mở bảng kết nối bằng course.setup() trong sổ tay.")
    else:
        lines.append("Đã có cấu hình kết nối (OPENAI_API_KEY hoặc OPENAI_BASE_URL): "
                     "các câu hỏi sẽ gửi tới mô hình thật và có thể tốn phí.")
    lines.append("Nếu trình duyệt không tự mở, hãy chép đường link http://127.0.0.1:... "
                 "hiện bên dưới vào trình duyệt.")
    lines.append("Muốn dừng: bấm Ctrl+C hai lần trong cửa sổ này.")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    root = project_root()
    env = lab_environment()
    print("\n".join(hints(env, root)), flush=True)
    try:
        return subprocess.call(lab_command(root, extra), cwd=root, env=env)
    except KeyboardInterrupt:
        print("\nĐã dừng JupyterLab. Hẹn gặp lại!")
        return 0


if __name__ == "__main__":
    sys.exit(main())
