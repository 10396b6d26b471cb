"""WTForms of the portal; every form carries a CSRF token (Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

NAME = [DataRequired(message="Vui lòng nhập họ tên"), Length(max=200)]


class RegisterForm(FlaskForm):
    kind = RadioField(
        "Loại tài khoản",
        choices=[
            SelectChoice("person", "Công dân"),
            SelectChoice("organisation", "Tổ chức, doanh nghiệp"),
        ],
        default="person",
    )
    full_name = StringField("Họ và tên (hoặc tên tổ chức)", validators=NAME)
    id_number = StringField(
        "Số định danh cá nhân (CCCD, 12 số) hoặc mã số thuế của tổ chức",
        validators=[DataRequired(message="Vui lòng nhập số giấy tờ"), Length(max=20)],
    )
    representative = StringField(
        "Người đại diện (tổ chức)", validators=[Optional(), Length(max=200)]
    )
    phone = TelField(
        "Số điện thoại",
        validators=[DataRequired(message="Vui lòng nhập số điện thoại"), Length(max=20)],
    )
    email = EmailField(
        "Thư điện tử",
        validators=[DataRequired(message="Vui lòng nhập thư điện tử"), Email(), Length(max=200)],
    )
    password = PasswordField(
        "Mật khẩu (ít nhất 12 ký tự)",
        validators=[DataRequired(message="Vui lòng nhập mật khẩu"), Length(max=1024)],
    )


class LoginForm(FlaskForm):
    login = StringField(
        "Tên đăng nhập (số CCCD, mã số thuế hoặc tên cán bộ)",
        validators=[DataRequired(message="Vui lòng nhập tên đăng nhập"), Length(max=200)],
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired(message="Vui lòng nhập mật khẩu"), Length(max=1024)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Mã xác nhận (6 chữ số)",
        validators=[DataRequired(message="Vui lòng nhập mã"), Length(max=12)],
    )


class ForgotForm(FlaskForm):
    identifier = StringField(
        "Số CCCD, mã số thuế hoặc thư điện tử",
        validators=[DataRequired(message="Vui lòng nhập thông tin"), Length(max=200)],
    )


class ResetForm(FlaskForm):
    identifier = StringField(
        "Số CCCD, mã số thuế hoặc thư điện tử",
        validators=[DataRequired(message="Vui lòng nhập thông tin"), Length(max=200)],
    )
    code = StringField(
        "Mã xác nhận (6 chữ số)",
        validators=[DataRequired(message="Vui lòng nhập mã"), Length(max=12)],
    )
    password = PasswordField(
        "Mật khẩu mới (ít nhất 12 ký tự)",
        validators=[DataRequired(message="Vui lòng nhập mật khẩu"), Length(max=1024)],
    )


class TokenForm(FlaskForm):
    name = StringField(
        "Tên gợi nhớ (ứng dụng dùng token)",
        validators=[DataRequired(message="Vui lòng đặt tên cho token"), Length(max=120)],
    )
    days = IntegerField("Thời hạn (ngày)", validators=[Optional(), NumberRange(1, 3650)])


class ApplicantForm(FlaskForm):
    name = StringField("Họ và tên người nộp", validators=NAME)
    id_number = StringField(
        "Số định danh cá nhân / mã số thuế", validators=[Optional(), Length(max=20)]
    )
    phone = TelField("Số điện thoại", validators=[Optional(), Length(max=20)])
    email = EmailField("Thư điện tử", validators=[Optional(), Email(), Length(max=200)])
    address = StringField("Địa chỉ", validators=[Optional(), Length(max=300)])
    agency = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Lý do", validators=[DataRequired(message="Vui lòng nêu lý do"), Length(max=2000)]
    )


class LookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form without side effects

    code = StringField(
        "Mã hồ sơ", validators=[DataRequired(message="Vui lòng nhập mã hồ sơ"), Length(max=60)]
    )
    secret = StringField(
        "4 số cuối giấy tờ tùy thân hoặc mã tra cứu trên giấy tiếp nhận",
        validators=[
            DataRequired(message="Vui lòng nhập 4 ký tự"),
            Length(min=4, max=4, message="Cần đúng 4 ký tự"),
        ],
    )
