"""Simulated answers for bt5_privacy (instructor-only).
Format: ``autograder/rehearsal/spec.py``; reason tags: ``autograder/rehearsal/__init__.py``.
"""

from autograder.rehearsal.spec import Spec, choices, needs_choices, variant

_BT5_QUESTIONS = {"cau_1": "A", "cau_2": "B", "cau_3": "A"}

SPEC = Spec(
    needs={
        "kt_sdt": ("sol_sdt",), "kt_sdt_an": ("sol_sdt",),
        "kt_email": ("sol_email",), "kt_email_an": ("sol_email",),
        "kt_cccd": ("sol_cccd",), "kt_cccd_an": ("sol_cccd",),
        "kt_tat_ca": ("sol_sdt", "sol_email", "sol_cccd", "sol_tat_ca"),
        **needs_choices(_BT5_QUESTIONS),
    },
    variants={
        "sol_sdt": {
            # plain 10 digits only, no boundaries
            "naive": variant("""
                def che_sdt(van_ban):
                    return re.sub(r"0\\d{9}", "[SĐT]", van_ban)
            """, "kt_sdt"),
            "wrong": variant("""
                def che_sdt(van_ban):
                    return re.sub(r"\\d+", "[SĐT]", van_ban)
            """),
            "wrong_type": variant("""
                def che_sdt(van_ban):
                    return re.findall(r"0\\d{9}", van_ban)
            """),
        },
        "sol_email": {
            # swallows the full stop after the address
            "naive": variant("""
                def che_email(van_ban):
                    return re.sub(r"\\S+@\\S+", "[EMAIL]", van_ban)
            """, "kt_email"),
            "wrong": variant("""
                def che_email(van_ban):
                    return van_ban
            """),
            "wrong_type": variant("""
                def che_email(van_ban):
                    re.sub(r"[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+", "[EMAIL]", van_ban)
            """),
        },
        "sol_cccd": {
            # no boundaries: eats digits inside order codes
            "naive": variant("""
                def che_cccd(van_ban):
                    return re.sub(r"\\d{12}|\\d{9}", "[CCCD]", van_ban)
            """, "kt_cccd"),
            "wrong": variant("""
                def che_cccd(van_ban):
                    return re.sub(r"\\b\\d{12}\\b", "[CCCD]", van_ban)
            """),
            "wrong_type": variant("""
                def che_cccd(van_ban):
                    return bool(re.search(r"\\d{12}", van_ban))
            """),
        },
        "sol_tat_ca": {
            "wrong": variant("""
                def che_tat_ca(van_ban):
                    return che_sdt(van_ban)
            """),
            "wrong_type": variant("""
                def che_tat_ca(van_ban):
                    van_ban = che_cccd(che_sdt(che_email(van_ban)))
            """),
        },
        **choices(_BT5_QUESTIONS),
    },
)

