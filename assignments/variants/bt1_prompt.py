"""Simulated answers for bt1_prompt (instructor-only).
Format: ``autograder/rehearsal/spec.py``; reason tags: ``autograder/rehearsal/__init__.py``.
"""

from autograder.rehearsal.spec import Spec, choices, needs_choices, prompt_variants

_BT1_QUESTIONS = {"cau_1": "A", "cau_2": "D", "cau_3": "B", "cau_4": "C"}  # wrong letters

SPEC = Spec(
    needs={
        **{f"kt_prompt_{k}{h}": (f"sol_prompt_{k}",)
           for k in ("zalo", "facebook", "cskh") for h in ("", "_an")},
        **needs_choices(_BT1_QUESTIONS),
    },
    variants={
        "sol_prompt_zalo": prompt_variants("prompt_zalo", (
            "Bạn là nhân viên bán hàng của HTX Hồ tiêu Cam Lộ. Khách quen của cửa hàng là"
            " các bà nội trợ và quán ăn. Hãy viết một tin nhắn báo cho khách biết hàng vụ"
            " mới đã về. Giọng văn thân mật, gần gũi. Trình bày thành vài câu ngắn, cuối"
            " tin có lời mời đặt hàng. Viết ngắn gọn, không dùng hashtag.")),
        "sol_prompt_facebook": prompt_variants("prompt_facebook", (
            "Bạn là người viết nội dung cho một công ty cà phê. Khách hàng mục tiêu là"
            " người làm văn phòng. Hãy viết một bài đăng giới thiệu sản phẩm mới. Trình"
            " bày gồm câu mở đầu, các gạch đầu dòng và hashtag. Giọng văn tươi vui, tự"
            " nhiên. Viết ngắn, không nói quá sự thật.")),
        "sol_prompt_cskh": prompt_variants("prompt_cskh", (
            "Bạn là nhân viên chăm sóc khách hàng của cơ sở nước mắm Mỹ Thủy. Khách"
            " nhắn rằng hàng có vấn đề. Hãy viết tin nhắn trả lời khách. Trình bày thành"
            " 3 câu. Giọng văn lịch sự. Trả lời ngắn gọn.")),
        **choices(_BT1_QUESTIONS),
    },
)
