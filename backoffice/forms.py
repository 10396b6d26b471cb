"""WTForms for the back office (CSRF on every form through Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    login = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=120)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=256)])


class OverrideForm(FlaskForm):
    day = DateField("Ngày", validators=[DataRequired()])
    working = BooleanField("Là ngày làm việc (làm bù)")
    reason = StringField("Lý do, văn bản quyết định",
                         validators=[DataRequired(), Length(max=500)])
