"""One-time preparation after install (run by `make` and Binder's postBuild).

Seeds tiktoken's cache so token counts are exact without internet.
"""

from __future__ import annotations

from .llm.tokens import seed_tiktoken_cache, tiktoken_cache_dir


def main() -> None:
    ready = seed_tiktoken_cache()
    where = tiktoken_cache_dir()
    if ready:
        print(f"Bộ đếm token sẵn sàng ngoại tuyến ({', '.join(ready)}) tại {where}.")
    else:
        print("Chưa có tệp mã hóa token: số token sẽ là ước tính.")


if __name__ == "__main__":
    main()
