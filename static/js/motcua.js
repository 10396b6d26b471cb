// Uploads with a progress bar. Without JavaScript the same forms post normally.
"use strict";
document.querySelectorAll("form[data-upload]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length || !window.FormData) { return; }
    event.preventDefault();
    var bar = form.querySelector("progress");
    var status = form.querySelector("[role=status]");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      status.textContent = percent + "%";
      document.body.dataset.uploadProgress = String(percent);
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = {}; }
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        document.body.dataset.uploadProgress = "100";
        status.textContent = "100% — " + (body.uploaded || []).join(", ");
        window.setTimeout(function () { window.location.assign(body.next || window.location.href); }, 400);
      } else {
        bar.hidden = true;
        button.disabled = false;
        status.textContent = body.message || ("Lỗi " + xhr.status);
      }
    });
    xhr.addEventListener("error", function () {
      bar.hidden = true;
      button.disabled = false;
      status.textContent = "Mất kết nối, tệp chưa được lưu. Vui lòng thử lại.";
    });
    xhr.send(new FormData(form));
  });
});

// PDF previews in the back office load only when opened: a dossier may carry many files.
document.querySelectorAll("details.preview[data-src]").forEach(function (box) {
  box.addEventListener("toggle", function () {
    if (!box.open || box.querySelector("iframe")) { return; }
    var frame = document.createElement("iframe");
    frame.src = box.dataset.src;
    frame.title = box.querySelector("summary").textContent.trim();
    frame.className = "preview";
    box.appendChild(frame);
  });
});
