"""Simulated answers for bt3_funnel (instructor-only).
Format: ``autograder/rehearsal/spec.py``; reason tags: ``autograder/rehearsal/__init__.py``.
"""

from autograder.rehearsal.spec import Spec, variant

SPEC = Spec(
    needs={
        "kt_ty_le": ("sol_ty_le",), "kt_ty_le_an": ("sol_ty_le",),
        "kt_buoc_roi": ("sol_buoc_roi",), "kt_buoc_roi_an": ("sol_buoc_roi",),
        "kt_cham_diem": ("sol_cham_diem",), "kt_cham_diem_an": ("sol_cham_diem",),
        "kt_phan_loai": ("sol_phan_loai",), "kt_phan_loai_an": ("sol_phan_loai",),
    },
    variants={
        "sol_ty_le": {
            "naive": variant("""
                def ty_le_chuyen_doi(so_nguoi):
                    return [round(b / a * 100, 1) for a, b in zip(so_nguoi, so_nguoi[1:])]
            """, "kt_ty_le"),
            "wrong": variant("""
                def ty_le_chuyen_doi(so_nguoi):
                    return [round(b / a, 1) for a, b in zip(so_nguoi, so_nguoi[1:])]
            """),
            "wrong_type": variant("""
                def ty_le_chuyen_doi(so_nguoi):
                    return [f"{b / a * 100:.1f}%" for a, b in zip(so_nguoi, so_nguoi[1:])]
            """),
        },
        "sol_buoc_roi": {
            "naive": variant("""
                def buoc_roi_nhieu_nhat(ten_buoc, so_nguoi):
                    mat = [a - b for a, b in zip(so_nguoi, so_nguoi[1:])]
                    return ten_buoc[mat.index(max(mat))]
            """, "kt_buoc_roi"),
            "wrong": variant("""
                def buoc_roi_nhieu_nhat(ten_buoc, so_nguoi):
                    mat = [a - b for a, b in zip(so_nguoi, so_nguoi[1:])]
                    return ten_buoc[mat.index(max(mat)) + 1]
            """),
            "wrong_type": variant("""
                def buoc_roi_nhieu_nhat(ten_buoc, so_nguoi):
                    return 0
            """),
        },
        "sol_cham_diem": {
            "naive": variant("""
                def cham_diem_khach(so_lan_tuong_tac, da_nhan_tin, da_hoi_gia):
                    return so_lan_tuong_tac * 10 + 20 * da_nhan_tin + 30 * da_hoi_gia
            """, "kt_cham_diem"),
            "wrong": variant("""
                def cham_diem_khach(so_lan_tuong_tac, da_nhan_tin, da_hoi_gia):
                    return min(so_lan_tuong_tac * 10, 50) + 30 * da_nhan_tin + 20 * da_hoi_gia
            """),
            "wrong_type": variant("""
                def cham_diem_khach(so_lan_tuong_tac, da_nhan_tin, da_hoi_gia):
                    diem = min(so_lan_tuong_tac * 10, 50) + 20 * da_nhan_tin + 30 * da_hoi_gia
                    return str(diem)
            """),
        },
        "sol_phan_loai": {
            "naive": variant("""
                def phan_loai_khach(diem):
                    if diem > 70:
                        return "nóng"
                    if diem > 40:
                        return "ấm"
                    return "lạnh"
            """, "kt_phan_loai"),
            "wrong": variant("""
                def phan_loai_khach(diem):
                    return "nong" if diem >= 70 else "am" if diem >= 40 else "lanh"
            """),
            "wrong_type": variant("""
                def phan_loai_khach(diem):
                    return 2 if diem >= 70 else 1 if diem >= 40 else 0
            """),
        },
    },
)
