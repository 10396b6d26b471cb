"""WTForms for the back office (CSRF on every form through Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, Length


class OverrideForm(FlaskForm):
    day = DateField("Ngày", validators=[DataRequired()])
    working = BooleanField("Là ngày làm việc (làm bù)")
    reason = StringField("Lý do, văn bản quyết định", validators=[DataRequired(), Length(max=500)])
