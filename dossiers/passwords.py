"""Password rules: length, and a strength estimate that refuses common and personal passwords.

The estimate is zxcvbn's (Dropbox's model: the 30,000 commonest leaked passwords, names, words,
keyboard walks, repeats, sequences, dates, l33t spellings), plus a short list of passwords common
in Vietnam, and the applicant's own name, ID number, e-mail and phone as a dictionary of their
own. A password must be estimated to need 10⁸ guesses (zxcvbn score 3, "safely unguessable"
behind a slow hash such as our argon2; out of reach of a throttled online attack).
"""

import unicodedata
from collections.abc import Iterable
from typing import Any

from zxcvbn import matching, scoring, time_estimates

from dossiers.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 hashes the whole password (no 72-byte truncation); bound the work
MIN_SCORE = 3
ESTIMATED = 72  # zxcvbn's limit; its matching is quadratic, and 72 characters say enough

# Common in Vietnamese leaks and easy to guess, though absent from zxcvbn's English lists.
_VIETNAMESE = (  # noqa: SIM905 - a compact word list
    "matkhau anhyeuem emyeuanh yeuem yeuanh anhyeu emyeu iuem iuanh vietnam hanoi saigon "
    "hochiminh danang haiphong cantho dongthap matkhaumoi motcua dichvucong conyeu beyeu "
    "yeumai mai ngocanh thuytien tinhyeu hanhphuc giadinh baby "
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly "
    "van thi minh anh thanh thu huong hoa lan linh trang ngoc tuan hung dung hai long nam"
).split()
_DICTIONARIES: dict[str, Any] = {
    **matching.RANKED_DICTIONARIES,
    "vietnamese": matching.build_ranked_dict(_VIETNAMESE),
}
HINT = (
    "Gợi ý: dùng một câu dài gồm 4–5 từ không liên quan đến nhau, ví dụ „trâu vàng leo cột điện“.",
    "Hint: use a long phrase of 4–5 unrelated words, e.g. “yellow buffalo climbs pole”.",
)


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d): how people type Vietnamese in passwords."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _personal_words(personal: Iterable[str | None]) -> list[str]:
    words: set[str] = set()
    for value in personal:
        if not value:
            continue
        folded = fold(value)
        parts = [p for p in folded.replace("@", " ").replace(".", " ").split() if len(p) > 1]
        words.update(parts)
        words.add("".join(folded.split()))  # "nguyenthilan"
        words.add(folded.split("@")[0])  # an e-mail's local part
    return [w for w in words if len(w) >= 3]


def _estimate(password: str, personal: list[str]) -> dict[str, Any]:
    # zxcvbn() writes the personal words into a module-level dictionary, which concurrent
    # requests would share; matching against a copy per call keeps each request's words apart.
    dictionaries = dict(_DICTIONARIES, user_inputs=matching.build_ranked_dict(personal))
    text = password[:ESTIMATED]
    result: dict[str, Any] = scoring.most_guessable_match_sequence(
        text, matching.omnimatch(text, dictionaries)
    )
    return result


def _reason(sequence: list[dict[str, Any]]) -> tuple[str, str]:
    patterns = {(m["pattern"], m.get("dictionary_name")) for m in sequence}
    if ("dictionary", "user_inputs") in patterns:
        return (
            "Mật khẩu được ghép từ họ tên, số giấy tờ, số điện thoại hoặc thư điện tử của "
            "bạn, ai biết bạn cũng đoán được.",
            "The password is built from your own name, ID number, phone or e-mail, which "
            "anyone who knows you can guess.",
        )
    if any(p == "dictionary" and d in ("passwords", "vietnamese") for p, d in patterns):
        return (
            "Mật khẩu này (hoặc một biến thể của nó) nằm trong danh sách mật khẩu phổ biến "
            "đã bị lộ.",
            "This password, or a variant of it, is on the lists of common leaked passwords.",
        )
    if {"repeat", "sequence", "spatial"} & {p for p, _ in patterns}:
        return (
            "Mật khẩu gồm ký tự lặp lại, dãy liên tiếp hoặc các phím liền nhau.",
            "The password is made of repeats, sequences or neighbouring keys.",
        )
    if {"date", "regex"} & {p for p, _ in patterns}:
        return (
            "Mật khẩu chủ yếu là ngày tháng hoặc năm, rất dễ đoán.",
            "The password is mostly a date or a year, which is easy to guess.",
        )
    return (
        "Mật khẩu quá dễ đoán (gồm các từ, tên phổ biến).",
        "The password is too easy to guess (common words and names).",
    )


def check(password: str, personal: Iterable[str | None] = ()) -> None:
    """Refuse a password that is too short, too long, common, or built from ``personal``."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự",
            f"The password needs at least {MIN_LENGTH} characters",
            code="weak_password",
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput("Mật khẩu quá dài", "The password is too long", code="weak_password")
    words = _personal_words(personal)
    # Scored as typed and without diacritics ("mậtkhẩu123" is "matkhau123"): the weaker counts.
    results = [_estimate(password, words), _estimate(fold(password), words)]
    weakest = min(results, key=lambda r: r["guesses"])
    sequence = weakest["sequence"]
    personal_chars = sum(
        m["j"] - m["i"] + 1 for m in sequence if m.get("dictionary_name") == "user_inputs"
    )
    score = time_estimates.guesses_to_score(weakest["guesses"])
    if score >= MIN_SCORE and personal_chars * 2 < len(weakest["password"]):
        return
    reason, reason_en = _reason(sequence)
    raise InvalidInput(f"{reason} {HINT[0]}", f"{reason_en} {HINT[1]}", code="weak_password")
