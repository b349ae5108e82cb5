// Read the certificates on the token through vanphong-signer and register them on the server.
(function () {
  "use strict";
  const root = document.querySelector("[data-agent-certificates]");
  if (!root) return;
  const button = root.querySelector("[data-testid=agent-read]");
  const message = root.querySelector("[data-testid=agent-read-message]");
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;

  function show(text, ok) {
    message.textContent = text;
    message.className = "alert mt-2 " + (ok ? "alert-success" : "alert-danger");
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    let certificates;
    try {
      const response = await fetch(root.dataset.agentUrl + "/certificates");
      const body = await response.json();
      if (!response.ok) { show(body.error || "Chương trình ký báo lỗi.", false); button.disabled = false; return; }
      certificates = body.certificates;
    } catch (e) {
      show("Không kết nối được chương trình ký vanphong-signer trên máy này.", false);
      button.disabled = false;
      return;
    }
    const names = [];
    const errors = [];
    for (const certificate of certificates) {
      const response = await fetch(root.dataset.registerUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ certificate: certificate }),
      });
      const result = await response.json();
      if (response.ok) { names.push(result.name); } else { errors.push(result.error); }
    }
    if (names.length) {
      show("Đã đăng ký chứng thư: " + names.join(", ") + ".", true);
      window.setTimeout(function () { window.location.reload(); }, 800);
    } else {
      show(errors.join(" ") || "Token không có chứng thư nào.", false);
      button.disabled = false;
    }
  });
  // The button is rendered disabled: a click before this script ran would do nothing.
  button.disabled = false;
})();
