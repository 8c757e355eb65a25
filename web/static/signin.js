/* The one sign-in of every page. It drives the block of web/templates/_signin.html: a form that
   asks POST /auth/token (OAuth2 password flow), says who is signed in and with which role in words,
   and a sign-out button. The token lives under one key, sessionStorage "qingpu_token", so signing in
   on one page signs in every page of the tab. `data-roles` on the block lists the roles the page
   accepts (empty: any); another role is refused with a message and nothing is stored.
   Pages read window.QingpuSignIn.token() / .headers() and listen for the "qingpu:signin" event. */
(function () {
  "use strict";
  var KEYS = { token: "qingpu_token", user: "qingpu_user", role: "qingpu_role" };
  var ROLE_WORDS = {
    "public": "公众 public", investment: "招商人员 investment staff",
    planner: "规划人员 planner", admin: "管理员 administrator"
  };
  var store = window.sessionStorage;
  var block = document.getElementById("signin");
  var accepted = (block && block.dataset.roles || "").split(/[\s,]+/).filter(Boolean);

  function token() { return store.getItem(KEYS.token); }
  function user() { return store.getItem(KEYS.user); }
  function role() { return token() ? (store.getItem(KEYS.role) || "public") : "public"; }
  function roleWords(r) { return ROLE_WORDS[r] || r; }
  // Signed in with a role this page accepts (a token from another page may carry another role).
  function allowed() { return !!token() && (!accepted.length || accepted.indexOf(role()) >= 0); }
  function headers(extra) {
    var h = Object.assign({}, extra || {});
    if (token()) { h.Authorization = "Bearer " + token(); }
    return h;
  }

  function $(id) { return document.getElementById(id); }
  function say(text, ok) {
    var m = $("signin-message");
    if (!m) { return; }
    m.textContent = text || "";
    m.className = ok ? "ok" : "error";
  }

  function render() {
    if (!block) { return; }
    var signedIn = !!token();
    $("who").textContent = signedIn
      ? "已登录 Signed in as " + user() + " · " + roleWords(role()) +
        (allowed() ? "" : " — 本页需要 this page needs " + accepted.map(roleWords).join(" / "))
      : "未登录 Not signed in · " + roleWords("public") + (block.dataset.hint ? " — " + block.dataset.hint : "");
    var form = $("login-form");
    form.hidden = signedIn;  // to change role on this page, sign out first
    $("logout").hidden = !signedIn;
  }

  function changed() {
    render();
    document.dispatchEvent(new CustomEvent("qingpu:signin",
      { detail: { token: token(), user: user(), role: role() } }));
  }

  function signIn(ev) {
    ev.preventDefault();
    var form = new FormData(ev.target);
    fetch("/auth/token", { method: "POST", body: new URLSearchParams(form) }).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, body: b }; }, function () { return { ok: false, body: {} }; });
    }).then(function (res) {
      if (!res.ok) {
        say("登录失败 Sign-in failed: " + (res.body.detail || res.body.title || "the server refused"), false);
        return;
      }
      if (accepted.length && accepted.indexOf(res.body.role) < 0) {
        say("该账号角色为 This account is " + roleWords(res.body.role) + "; 本页需要 this page needs " +
            accepted.map(roleWords).join(" / "), false);
        return;
      }
      store.setItem(KEYS.token, res.body.access_token);
      store.setItem(KEYS.user, form.get("username"));
      store.setItem(KEYS.role, res.body.role);
      ev.target.reset();
      say("", true);
      changed();
    }).catch(function (e) { say("登录失败 Sign-in failed: " + e.message, false); });
  }

  function signOut() {
    Object.keys(KEYS).forEach(function (k) { store.removeItem(KEYS[k]); });
    say("", true);
    changed();
  }

  if (block) {
    $("login-form").addEventListener("submit", signIn);
    $("logout").addEventListener("click", signOut);
    render();
  }
  window.QingpuSignIn = { token: token, user: user, role: role, allowed: allowed, roleWords: roleWords, headers: headers,
                          signOut: signOut };
})();
