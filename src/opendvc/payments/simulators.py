"""Gateway simulators as real HTTP servers (``opendvc.core.simulators``), for the tests and the demo.

``VNPaySimulator`` speaks the VNPay 2.1.0 shapes: the payment page ``/paymentv2/vpcpay.html`` (checks
the signature, shows the amount with *Thanh toán* / *Thất bại* / *Hủy* buttons), then the IPN to the
portal and the browser sent back to ``vnp_ReturnUrl``; ``/merchant_webapi/api/transaction`` answers
``querydr`` and ``refund`` with signed answers.

Faults (``switches.extra``, also over ``POST /_switches``):

- ``ipn_delay``: seconds between the choice and the IPN (sent in the background; default 0);
- ``ipn_before_return``: the IPN is sent and answered before the browser is sent back;
- ``ipn_never``: no IPN at all (the reconciliation must find the payment);
- ``ipn_repeat``: the IPN sent n times (``duplicate`` sends each twice);
- ``wrong_signature`` / ``wrong_amount``: the IPN is forged / carries another amount;
- ``late_success``: on *Thất bại* the failure IPN is sent, then after ``late_delay`` seconds a
  success for the same transaction (the bank cleared it after all);
- ``ipn_url``: where IPNs go (default: ``/thanh-toan/vnpay/ipn/`` on the return address's host).
"""

from __future__ import annotations

import contextlib
import html
import threading
import time
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from opendvc.core import simulators as sim

from . import vnpay


class VNPaySimulator(sim.Simulator):
    name = "vnpay"

    def __init__(
        self,
        *,
        tmn_code: str = "OPENDVC1",
        secret: str = "demo-vnpay-secret",  # noqa: S107 - the demo key
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.tmn_code = tmn_code
        self.secret = secret
        # vnp_TxnRef -> {"params": payment request, "status": "01"|"00"|"02", "no": transaction no, ...}
        self.txns: dict[str, dict] = {}
        self._next_no = 14000000
        self.ipn_answers: list[dict] = []
        self._threads: list[threading.Thread] = []

    # -- the browser ---------------------------------------------------------------------------------
    def handle(self, request: sim.Request) -> sim.Response:
        if request.path == "/paymentv2/vpcpay.html":
            return self.payment_page(request)
        if request.path == "/paymentv2/act":
            form = request.form() if request.body else {k: v[-1] for k, v in request.query.items()}
            return self.act(form.get("ref", ""), form.get("choice", ""))
        if request.path == "/merchant_webapi/api/transaction":
            return self.merchant_api(request.json() or {})
        return sim.json_response({"error": "not found"}, status=404)

    def payment_page(self, request: sim.Request) -> sim.Response:
        params = {k: v[-1] for k, v in request.query.items()}
        if (
            not vnpay.signature_ok(self.secret, params)
            or params.get("vnp_TmnCode") != self.tmn_code
        ):
            return sim.html_response("<h1>Sai chữ ký (mã lỗi 97)</h1>", status=400)
        ref = params["vnp_TxnRef"]
        with self.lock:
            self.txns.setdefault(ref, {"params": params, "status": "01", "no": ""})
        amount = int(params["vnp_Amount"]) // 100
        e = html.escape
        buttons = "".join(
            f'<button name="choice" value="{c}">{label}</button> '
            for c, label in (
                ("pay", "Thanh toán"),
                ("fail", "Thất bại"),
                ("cancel", "Hủy giao dịch"),
            )
        )
        page = (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thanh toán mô phỏng</title>'
            f'<meta name="viewport" content="width=device-width"></head><body><h1>Cổng thanh toán VNPAY (mô phỏng)</h1>'
            f"<p>{e(params.get('vnp_OrderInfo', ''))}</p><p>Số tiền: <strong>{amount:,} VND</strong></p>"
            f'<form method="post" action="/paymentv2/act"><input type="hidden" name="ref" value="{e(ref)}">'
            f"{buttons}</form></body></html>"
        )
        return sim.html_response(page)

    def result_params(
        self, ref: str, *, success: bool, cancelled: bool = False, amount: int | None = None
    ) -> dict:
        with self.lock:
            txn = self.txns[ref]
            if not txn["no"]:
                self._next_no += 1
                txn["no"] = str(self._next_no)
            request = txn["params"]
        params = {
            "vnp_Amount": str(amount * 100) if amount is not None else request["vnp_Amount"],
            "vnp_BankCode": "NCB",
            "vnp_BankTranNo": f"VNP{txn['no']}",
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": request.get("vnp_OrderInfo", ""),
            "vnp_PayDate": vnpay.vn_time(datetime.now().astimezone()),
            "vnp_ResponseCode": "00" if success else ("24" if cancelled else "51"),
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionNo": txn["no"],
            "vnp_TransactionStatus": "00" if success else "02",
            "vnp_TxnRef": ref,
        }
        return vnpay.sign_params(self.secret, params)

    def ipn_url(self, ref: str) -> str:
        with self.lock:
            url = self.switches.extra.get("ipn_url")
            return_url = self.txns[ref]["params"]["vnp_ReturnUrl"]
        if url:
            return url
        parts = urlsplit(return_url)
        return f"{parts.scheme}://{parts.netloc}/thanh-toan/vnpay/ipn/"

    def send_ipn(self, ref: str, params: dict) -> list:
        with self.lock:
            extra = dict(self.switches.extra)
        if extra.get("wrong_signature"):
            params = {**params, "vnp_SecureHash": vnpay.sign("forged", vnpay.hash_data(params))}
        if extra.get("wrong_amount"):
            params = vnpay.sign_params(
                self.secret, {**params, "vnp_Amount": str(int(params["vnp_Amount"]) + 100_000)}
            )
        answers = []
        for _ in range(int(extra.get("ipn_repeat") or 1)):
            answers += self.callback("GET", f"{self.ipn_url(ref)}?{urlencode(params)}")
        with self.lock:
            for answer in answers:
                with contextlib.suppress(Exception):
                    self.ipn_answers.append({"ref": ref, **answer.json()})
        return answers

    def act(self, ref: str, choice: str) -> sim.Response:
        with self.lock:
            if ref not in self.txns:
                return sim.html_response("<h1>Không tìm thấy giao dịch</h1>", status=404)
            extra = dict(self.switches.extra)
            txn = self.txns[ref]
        success = choice == "pay"
        params = self.result_params(ref, success=success, cancelled=choice == "cancel")
        with self.lock:
            txn["status"] = "00" if success else "02"
        if not extra.get("ipn_never"):
            if extra.get("ipn_before_return"):
                self.send_ipn(ref, params)
            else:
                self._later(float(extra.get("ipn_delay") or 0), self.send_ipn, ref, params)
        if choice == "fail" and extra.get("late_success"):

            def late() -> None:
                with self.lock:
                    txn["status"] = "00"
                self.send_ipn(ref, self.result_params(ref, success=True))

            self._later(float(extra.get("late_delay") or 0.5), late)
        return sim.redirect(f"{txn['params']['vnp_ReturnUrl']}?{urlencode(params)}")

    def _later(self, delay: float, fn, *args) -> None:
        def run() -> None:
            if delay:
                time.sleep(delay)
            fn(*args)

        thread = threading.Thread(target=run, daemon=True)
        with self.lock:
            self._threads.append(thread)
        thread.start()

    def wait_callbacks(self, timeout: float = 15.0) -> None:
        """Wait for the IPNs sent in the background (tests)."""
        with self.lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def pay(self, ref: str, *, success: bool = True, at: datetime | None = None) -> None:
        """Mark a transaction settled at the gateway without any IPN (what querydr will then say)."""
        with self.lock:
            self.txns[ref]["status"] = "00" if success else "02"
            if not self.txns[ref]["no"]:
                self._next_no += 1
                self.txns[ref]["no"] = str(self._next_no)

    # -- the merchant API ------------------------------------------------------------------------------
    def merchant_api(self, body: dict) -> sim.Response:
        command = body.get("vnp_Command")
        fields = vnpay.QUERY_REQUEST if command == "querydr" else vnpay.REFUND_REQUEST
        base = {
            "vnp_ResponseId": body.get("vnp_RequestId", ""),
            "vnp_Command": command,
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": body.get("vnp_TxnRef", ""),
        }
        answer_fields = vnpay.QUERY_ANSWER if command == "querydr" else vnpay.REFUND_ANSWER
        expected = vnpay.sign(self.secret, vnpay.piped(body, fields))
        if (
            command not in ("querydr", "refund")
            or body.get("vnp_SecureHash", "").lower() != expected
        ):
            answer = {**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"}
        else:
            with self.lock:
                txn = self.txns.get(body.get("vnp_TxnRef", ""))
                txn = dict(txn) if txn else None
            if txn is None:
                answer = {**base, "vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}
            elif command == "querydr":
                answer = {
                    **base,
                    "vnp_ResponseCode": "00",
                    "vnp_Message": "QueryDR Success",
                    "vnp_Amount": txn["params"]["vnp_Amount"],
                    "vnp_BankCode": "NCB",
                    "vnp_PayDate": vnpay.vn_time(datetime.now().astimezone()),
                    "vnp_TransactionNo": txn["no"],
                    "vnp_TransactionType": txn.get("type", "01"),
                    "vnp_TransactionStatus": txn["status"],
                    "vnp_OrderInfo": txn["params"].get("vnp_OrderInfo", ""),
                    "vnp_PromotionCode": "",
                    "vnp_PromotionAmount": "",
                }
            elif txn["status"] != "00" or body.get("vnp_TransactionNo") != txn["no"]:
                answer = {**base, "vnp_ResponseCode": "94", "vnp_Message": "Refund not allowed"}
            else:
                with self.lock:
                    self.txns[body["vnp_TxnRef"]]["type"] = body.get("vnp_TransactionType", "02")
                answer = {
                    **base,
                    "vnp_ResponseCode": "00",
                    "vnp_Message": "Refund Success",
                    "vnp_Amount": body.get("vnp_Amount", ""),
                    "vnp_BankCode": "NCB",
                    "vnp_PayDate": vnpay.vn_time(datetime.now().astimezone()),
                    "vnp_TransactionNo": txn["no"],
                    "vnp_TransactionType": body.get("vnp_TransactionType", "02"),
                    "vnp_TransactionStatus": "00",
                    "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
                }
        answer["vnp_SecureHash"] = vnpay.sign(self.secret, vnpay.piped(answer, answer_fields))
        return sim.json_response(answer)


def return_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


sim.register(
    "vnpay",
    VNPaySimulator,
    port=18401,
    settings=lambda url: {
        "VNPAY_URL": url,
        "VNPAY_TMN_CODE": "OPENDVC1",
        "VNPAY_HASH_SECRET": "demo-vnpay-secret",
    },
    help="VNPay-compatible gateway: payment page, IPN, querydr, refund",
)


class PayGovSimulator(sim.Simulator):
    """The national payment platform's shapes (``paygov``): ``/thanh-toan/khoi-tao`` with
    pay / fail / cancel, the JSON confirmation POSTed to the portal (same ``extra`` switches as
    ``VNPaySimulator``: ``ipn_delay``, ``ipn_before_return``, ``ipn_never``, ``ipn_repeat``,
    ``wrong_signature``, ``wrong_amount``, ``ipn_url``), the query and refund APIs."""

    name = "paygov"

    def __init__(
        self,
        *,
        merchant: str = "H19",
        secret: str = "demo-paygov-secret",  # noqa: S107 - the demo key
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.merchant, self.secret = merchant, secret
        self.txns: dict[str, dict] = {}
        self._next_no = 900000
        self.ipn_answers: list[dict] = []
        self._threads: list[threading.Thread] = []

    def handle(self, request: sim.Request) -> sim.Response:
        from . import paygov

        if request.path == "/thanh-toan/khoi-tao":
            params = {k: v[-1] for k, v in request.query.items()}
            if (
                not paygov.checksum_ok(self.secret, params, paygov.REQUEST)
                or params.get("merchantCode") != self.merchant
            ):
                return sim.html_response("<h1>Sai checksum (04)</h1>", status=400)
            with self.lock:
                self.txns.setdefault(
                    params["orderId"], {"params": params, "status": "PENDING", "no": ""}
                )
            e = html.escape
            buttons = "".join(
                f'<button name="choice" value="{c}">{label}</button> '
                for c, label in (
                    ("pay", "Thanh toán"),
                    ("fail", "Thất bại"),
                    ("cancel", "Hủy giao dịch"),
                )
            )
            return sim.html_response(
                f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Nền tảng thanh toán (mô phỏng)'
                f"</title></head><body><h1>Nền tảng thanh toán quốc gia (mô phỏng)</h1><p>{e(params['orderInfo'])}</p>"
                f'<p>Số tiền: <strong>{int(params["amount"]):,} VND</strong></p><form method="post" action="/thanh-toan/chon">'
                f'<input type="hidden" name="ref" value="{e(params["orderId"])}">{buttons}</form></body></html>'
            )
        if request.path == "/thanh-toan/chon":
            form = request.form()
            return self.act(form.get("ref", ""), form.get("choice", ""))
        if request.path == "/api/giao-dich/truy-van":
            return self.query(request.json() or {})
        if request.path == "/api/giao-dich/hoan-tien":
            return self.refund(request.json() or {})
        return sim.json_response({"error": "not found"}, status=404)

    def confirmation(self, ref: str) -> dict:
        from . import paygov

        with self.lock:
            txn = self.txns[ref]
            if not txn["no"]:
                self._next_no += 1
                txn["no"] = f"PG{self._next_no}"
            data = {
                "merchantCode": self.merchant,
                "orderId": ref,
                "transactionId": txn["no"],
                "amount": txn["params"]["amount"],
                "status": txn["status"],
                "payTime": vnpay.vn_time(datetime.now().astimezone()),
            }
        data["checksum"] = paygov.checksum(self.secret, data, paygov.CONFIRMATION)
        return data

    def send_confirmation(self, ref: str, data: dict) -> None:
        from . import paygov

        with self.lock:
            extra = dict(self.switches.extra)
            return_url = self.txns[ref]["params"]["returnUrl"]
        if extra.get("wrong_amount"):
            data = {**data, "amount": str(int(data["amount"]) + 1000)}
            data["checksum"] = paygov.checksum(self.secret, data, paygov.CONFIRMATION)
        if extra.get("wrong_signature"):
            data = {**data, "checksum": paygov.checksum("forged", data, paygov.CONFIRMATION)}
        parts = urlsplit(return_url)
        url = extra.get("ipn_url") or f"{parts.scheme}://{parts.netloc}/thanh-toan/paygov/ipn/"
        for _ in range(int(extra.get("ipn_repeat") or 1)):
            for answer in self.callback("POST", url, json=data):
                with contextlib.suppress(Exception), self.lock:
                    self.ipn_answers.append({"ref": ref, **answer.json()})

    def act(self, ref: str, choice: str) -> sim.Response:
        with self.lock:
            if ref not in self.txns:
                return sim.html_response("<h1>Không tìm thấy giao dịch</h1>", status=404)
            extra = dict(self.switches.extra)
            self.txns[ref]["status"] = {"pay": "SUCCESS", "cancel": "CANCELLED"}.get(
                choice, "FAILED"
            )
            return_url = self.txns[ref]["params"]["returnUrl"]
        data = self.confirmation(ref)
        if not extra.get("ipn_never"):
            if extra.get("ipn_before_return"):
                self.send_confirmation(ref, data)
            else:
                delay = float(extra.get("ipn_delay") or 0)

                def later() -> None:
                    time.sleep(delay)
                    self.send_confirmation(ref, data)

                thread = threading.Thread(target=later, daemon=True)
                with self.lock:
                    self._threads.append(thread)
                thread.start()
        return sim.redirect(f"{return_url}?{urlencode(data)}")

    def wait_callbacks(self, timeout: float = 15.0) -> None:
        with self.lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def query(self, body: dict) -> sim.Response:
        from . import paygov

        base_answer = {"merchantCode": self.merchant, "orderId": body.get("orderId", "")}
        if not paygov.checksum_ok(self.secret, body, paygov.QUERY):
            answer = {**base_answer, "code": "04", "transactionId": "", "amount": "", "status": ""}
        else:
            with self.lock:
                txn = self.txns.get(body.get("orderId", ""))
                txn = dict(txn) if txn else None
            if txn is None:
                answer = {
                    **base_answer,
                    "code": "01",
                    "transactionId": "",
                    "amount": "",
                    "status": "",
                }
            else:
                answer = {
                    **base_answer,
                    "code": "00",
                    "transactionId": txn["no"],
                    "amount": txn["params"]["amount"],
                    "status": txn["status"],
                }
        answer["checksum"] = paygov.checksum(self.secret, answer, paygov.QUERY_ANSWER)
        return sim.json_response(answer)

    def refund(self, body: dict) -> sim.Response:
        from . import paygov

        answer = {
            "merchantCode": self.merchant,
            "orderId": body.get("orderId", ""),
            "refundId": "",
            "amount": body.get("amount", ""),
        }
        with self.lock:
            txn = self.txns.get(body.get("orderId", ""))
            if not paygov.checksum_ok(self.secret, body, paygov.REFUND):
                answer["code"] = "04"
            elif (
                txn is None or txn["status"] != "SUCCESS" or body.get("transactionId") != txn["no"]
            ):
                answer["code"] = "05"
            else:
                txn["status"] = "REFUNDED"
                answer.update(code="00", refundId=f"RF{txn['no']}")
        answer["checksum"] = paygov.checksum(self.secret, answer, paygov.REFUND_ANSWER)
        return sim.json_response(answer)


sim.register(
    "paygov",
    PayGovSimulator,
    port=18402,
    settings=lambda url: {
        "PAYGOV_URL": url,
        "PAYGOV_MERCHANT_CODE": "H19",
        "PAYGOV_SECRET": "demo-paygov-secret",
    },
    help="National payment platform (PayGov-style): payment page, confirmation, query, refund",
)
