"""Pure pieces: amounts in words, VNPAY signing and callback parsing."""

from payments.gateways.vnpay import VnpayConfig, VnpayGateway, hash_data, sign
from payments.receipts import in_words


def test_amounts_in_vietnamese_words() -> None:
    assert in_words(75000) == "Bảy mươi lăm nghìn đồng"
    assert in_words(150000) == "Một trăm năm mươi nghìn đồng"
    assert in_words(1_005_000) == "Một triệu không trăm lẻ năm nghìn đồng"
    assert in_words(21) == "Hai mươi mốt đồng"


def test_signing_sorts_and_quote_plus_encodes() -> None:
    params = {
        "vnp_TxnRef": "A1",
        "vnp_Amount": "100",
        "vnp_OrderInfo": "Thanh toan ho so",
        "vnp_SecureHash": "ignored",
        "other": "ignored",
    }
    assert hash_data(params) == "vnp_Amount=100&vnp_OrderInfo=Thanh+toan+ho+so&vnp_TxnRef=A1"
    assert len(sign("s", params)) == 128


def test_success_needs_both_codes_and_the_amount_is_divided_by_100() -> None:
    gateway = VnpayGateway(VnpayConfig("T", "secret", "https://pay", "https://api"))
    params = {
        "vnp_TxnRef": "A1",
        "vnp_Amount": "7500000",
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "02",
    }
    params["vnp_SecureHash"] = sign("secret", params)
    callback = gateway.parse_callback(params)
    assert callback.signed
    assert callback.amount_vnd == 75000
    assert not callback.success
