"""Simulated answers for bt2_marketing (instructor-only).
Format: ``autograder/rehearsal/spec.py``; reason tags: ``autograder/rehearsal/__init__.py``.
"""

from autograder.rehearsal.spec import Spec, variant

SPEC = Spec(
    needs={
        "kt_tao_prompt": ("sol_tao_prompt",), "kt_tao_prompt_an": ("sol_tao_prompt",),
        "kt_cot_prompt": ("sol_tao_prompt", "sol_cot_prompt"),
        "kt_chay_lo": ("sol_tao_prompt", "sol_cot_prompt", "sol_chay_lo"),
        "kt_dem_tu": ("sol_dem_tu",), "kt_dem_tu_an": ("sol_dem_tu",),
        "kt_vuot": ("sol_vuot",), "kt_vuot_an": ("sol_vuot",),
        "kt_lich": ("sol_lich",), "kt_lich_an": ("sol_lich",),
    },
    variants={
        "sol_tao_prompt": {
            # price not in Vietnamese format, no target customers
            "naive": variant("""
                def tao_prompt(sp, kenh):
                    return (f"Viết bài {kenh} về {sp['ten_sp']}, giá {sp['gia_ban_vnd']} đ."
                            f" Không quá {GIOI_HAN_TU[kenh]} từ.")
            """, "kt_tao_prompt", "kt_cot_prompt", "kt_chay_lo"),
            # no length limit at all
            "wrong": variant("""
                def tao_prompt(sp, kenh):
                    return f"Viết bài {kenh} thật hay về {sp['ten_sp']}."
            """, "kt_cot_prompt", "kt_chay_lo"),
            "wrong_type": variant("""
                def tao_prompt(sp, kenh):
                    return [sp["ten_sp"], kenh, GIOI_HAN_TU[kenh]]
            """),
        },
        "sol_cot_prompt": {
            # every row written for Facebook, whatever its channel
            "wrong": variant("""
                san_pham["prompt"] = [tao_prompt(sp, "Facebook")
                                      for _, sp in san_pham.iterrows()]
            """, "kt_chay_lo"),
        },
        "sol_chay_lo": {
            "wrong": variant("""
                san_pham["bai_viet"] = ""
            """),
            "wrong_type": variant("""
                san_pham["bai_viet"] = [len(p) for p in san_pham["prompt"]]
            """),
        },
        "sol_dem_tu": {
            # forgets the simulation label
            "naive": variant("""
                def dem_tu(van_ban):
                    return len(van_ban.split())
            """, "kt_dem_tu"),
            "wrong": variant("""
                def dem_tu(van_ban):
                    return len(van_ban)
            """),
            "wrong_type": variant("""
                def dem_tu(van_ban):
                    return str(len(course.strip_label(van_ban).split()))
            """),
        },
        "sol_vuot": {
            # forgets the simulation label
            "naive": variant("""
                def vuot_gioi_han(van_ban, kenh):
                    return len(van_ban.split()) > GIOI_HAN_TU[kenh]
            """, "kt_vuot"),
            "wrong": variant("""
                def vuot_gioi_han(van_ban, kenh):
                    return len(van_ban.split()) <= GIOI_HAN_TU[kenh]
            """),
            "wrong_type": variant("""
                def vuot_gioi_han(van_ban, kenh):
                    return "có" if len(van_ban.split()) > GIOI_HAN_TU[kenh] else "không"
            """),
        },
        "sol_lich": {
            # adds to the day number: breaks across months
            "naive": variant("""
                def lich_dang(ngay_bat_dau, danh_sach_sp, cach_ngay):
                    nam, thang, ngay = ngay_bat_dau.split("-")
                    cot_ngay = [f"{int(ngay) + i * cach_ngay:02d}/{thang}/{nam}"
                                for i in range(len(danh_sach_sp))]
                    return pd.DataFrame({"ngay": cot_ngay, "san_pham": danh_sach_sp})
            """, "kt_lich"),
            "wrong": variant("""
                def lich_dang(ngay_bat_dau, danh_sach_sp, cach_ngay):
                    dau = pd.Timestamp(ngay_bat_dau)
                    cot_ngay = [str((dau + pd.Timedelta(days=i * cach_ngay)).date())
                                for i in range(len(danh_sach_sp))]
                    return pd.DataFrame({"ngay": cot_ngay, "san_pham": danh_sach_sp})
            """),
            "wrong_type": variant("""
                def lich_dang(ngay_bat_dau, danh_sach_sp, cach_ngay):
                    return [(ngay_bat_dau, sp) for sp in danh_sach_sp]
            """),
        },
    },
)
