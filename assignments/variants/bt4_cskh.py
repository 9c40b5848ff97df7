"""Simulated answers for bt4_cskh (instructor-only).
Format: ``autograder/rehearsal/spec.py``; reason tags: ``autograder/rehearsal/__init__.py``.
"""

from autograder.rehearsal.spec import Spec, choices, needs_choices, variant

_BT4_QUESTIONS = {"cau_1": "A", "cau_2": "C"}  # wrong letters

SPEC = Spec(
    needs={
        "kt_tim_faq": ("sol_tim_faq",), "kt_tim_faq_an": ("sol_tim_faq",),
        "kt_chinh_xac": ("sol_chinh_xac",), "kt_chinh_xac_an": ("sol_chinh_xac",),
        "kt_chuyen_nguoi": ("sol_chuyen_nguoi",), "kt_chuyen_nguoi_an": ("sol_chuyen_nguoi",),
        **needs_choices(_BT4_QUESTIONS),
    },
    variants={
        "sol_tim_faq": {
            # keeps punctuation glued to words ("hàng?" != "hàng")
            "naive": variant("""
                def tim_cau_tra_loi(cau_hoi, faq):
                    hoi = set(cau_hoi.lower().split())
                    diem = [len(hoi & set(muc["hoi"].lower().split())) for muc in faq]
                    if max(diem) == 0:
                        return None
                    return faq[diem.index(max(diem))]["dap"]
            """, "kt_tim_faq"),
            "wrong": variant("""
                def tim_cau_tra_loi(cau_hoi, faq):
                    hoi = set(cau_hoi.lower().split())
                    diem = [len(hoi & set(muc["hoi"].lower().split())) for muc in faq]
                    return faq[diem.index(max(diem))]["hoi"]
            """),
            "wrong_type": variant("""
                def tim_cau_tra_loi(cau_hoi, faq):
                    hoi = set(cau_hoi.lower().split())
                    diem = [len(hoi & set(muc["hoi"].lower().split())) for muc in faq]
                    return diem.index(max(diem))
            """),
        },
        "sol_chinh_xac": {
            # exact comparison, no empty-list guard
            "naive": variant("""
                def do_chinh_xac(du_doan, nhan):
                    dung = sum(1 for i in range(len(nhan)) if du_doan[i] == nhan[i])
                    return round(dung / len(nhan) * 100, 1)
            """, "kt_chinh_xac"),
            "wrong": variant("""
                def do_chinh_xac(du_doan, nhan):
                    dung = sum(1 for i in range(len(nhan)) if du_doan[i] == nhan[i])
                    return dung / len(nhan)
            """),
            "wrong_type": variant("""
                def do_chinh_xac(du_doan, nhan):
                    dung = sum(1 for i in range(len(nhan)) if du_doan[i] == nhan[i])
                    return f"{dung * 100 // len(nhan)}%"
            """),
        },
        "sol_chuyen_nguoi": {
            # case-sensitive
            "naive": variant("""
                def can_chuyen_nguoi(tin_nhan, cam_xuc):
                    if any(cum in tin_nhan for cum in TU_NGHIEM_TRONG + TU_GAP_NGUOI):
                        return True
                    return cam_xuc == "tiêu cực" and "!" in tin_nhan
            """, "kt_chuyen_nguoi"),
            "wrong": variant("""
                def can_chuyen_nguoi(tin_nhan, cam_xuc):
                    return cam_xuc == "tiêu cực"
            """),
            "wrong_type": variant("""
                def can_chuyen_nguoi(tin_nhan, cam_xuc):
                    return "có" if "!" in tin_nhan else "không"
            """),
        },
        **choices(_BT4_QUESTIONS),
    },
)
