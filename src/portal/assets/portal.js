// Custos patient portal: a small phone-sized page over /api/portal (session in an HttpOnly
// cookie). Text is set with textContent only: nothing from the server is parsed as HTML.
(() => {
  'use strict';
  const T = {
    'zh-CN': {
      title: '患者门户 · 谁看过我的病历',
      logout: '退出',
      lang: 'English',
      phone: '手机号码',
      getCode: '获取验证码',
      code: '短信验证码',
      idNumber: '身份证件号码（身份证或护照，或后6位）',
      signIn: '登录',
      codeSent: '如该号码已在医院登记，验证码已发送。',
      history: '访问记录',
      notices: '通知',
      restrictions: '隐私设置',
      reports: '我的举报',
      filterAll: '全部方式',
      breakGlassOnly: '只看紧急访问',
      from: '开始日期',
      to: '结束日期',
      apply: '筛选',
      more: '加载更多',
      empty: '暂无记录',
      download: '下载副本',
      report: '举报可疑访问',
      block: '禁止此人访问',
      reported: '已举报',
      breakGlass: '紧急访问（破窗）',
      denied: '已拒绝',
      reportTitle: '举报这次访问',
      reportHint: '请说明您为何认为这次访问可疑（例如：我不认识此人，也没有在该科室就诊）。',
      send: '提交',
      cancel: '取消',
      reportSent: '已提交，医院隐私保护负责人将进行调查。',
      hide: '除我的直接诊疗团队外，隐藏以下敏感内容：',
      psychiatry: '精神心理',
      reproductive: '生殖健康（含产科）',
      'hiv-sti': '艾滋病/性传播疾病',
      substance: '物质使用',
      genetics: '基因检测',
      blocked: '已禁止访问的人员',
      noneBlocked: '无',
      unblock: '解除',
      research: '不同意将我的数据用于科研',
      save: '保存',
      saved: '已保存',
      channel: '通知方式',
      sms: '短信',
      email: '电子邮件',
      portal: '仅在门户内',
      status: '状态',
      outcome: '结果',
      confirmBlock: '确定禁止此人访问您的病历吗？在医院允许的情况下，紧急访问时也将禁止。',
      signedOut: '您已退出。',
      who: '访问者',
      unknownStaff: '工作人员',
    },
    en: {
      title: 'Patient portal · who looked at my record',
      logout: 'Sign out',
      lang: '中文',
      phone: 'Mobile phone number',
      getCode: 'Send code',
      code: 'Code from the SMS',
      idNumber: 'ID card or passport number (or its last 6)',
      signIn: 'Sign in',
      codeSent: 'If this number is on record at the hospital, a code was sent to it.',
      history: 'Access history',
      notices: 'Notices',
      restrictions: 'Privacy',
      reports: 'My reports',
      filterAll: 'All channels',
      breakGlassOnly: 'Break-the-glass only',
      from: 'From',
      to: 'To',
      apply: 'Filter',
      more: 'Load more',
      empty: 'Nothing here yet',
      download: 'Download a copy',
      report: 'Report as suspicious',
      block: 'Block this person',
      reported: 'Reported',
      breakGlass: 'Break-the-glass',
      denied: 'Refused',
      reportTitle: 'Report this access',
      reportHint:
        'Say why you think this access is suspicious (e.g. I do not know this person and was never treated in that department).',
      send: 'Send',
      cancel: 'Cancel',
      reportSent: 'Sent. The hospital’s privacy officer will investigate.',
      hide: 'Hide these sensitive parts from everyone except my direct care team:',
      psychiatry: 'Mental health',
      reproductive: 'Reproductive health (incl. obstetrics)',
      'hiv-sti': 'HIV / sexually transmitted infections',
      substance: 'Substance use',
      genetics: 'Genetic tests',
      blocked: 'People barred from my record',
      noneBlocked: 'None',
      unblock: 'Lift',
      research: 'Do not use my data for research',
      save: 'Save',
      saved: 'Saved',
      channel: 'Tell me by',
      sms: 'SMS',
      email: 'E-mail',
      portal: 'Only in the portal',
      status: 'Status',
      outcome: 'Outcome',
      confirmBlock:
        'Bar this person from your record? Where the hospital allows it, this holds even in an emergency.',
      signedOut: 'You are signed out.',
      who: 'Who',
      unknownStaff: 'Staff member',
    },
  };
  const CHANNELS = ['screen', 'print', 'export', 'third-party', 'search'];
  const CHANNEL_NAMES = {
    'zh-CN': {
      screen: '屏幕查看',
      print: '打印',
      export: '导出',
      'third-party': '第三方系统',
      search: '检索',
      other: '其他',
    },
    en: {
      screen: 'On screen',
      print: 'Printed',
      export: 'Exported',
      'third-party': 'Third-party system',
      search: 'Search',
      other: 'Other',
    },
  };
  const SECTIONS = ['psychiatry', 'reproductive', 'hiv-sti', 'substance', 'genetics'];
  let lang =
    localStorage.getItem('custos-portal-lang') ||
    (navigator.language.startsWith('zh') ? 'zh-CN' : 'en');
  const t = (k) => T[lang][k] || k;
  const app = document.getElementById('app');

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (k === 'class') e.className = v;
      else if (v === true) e.setAttribute(k, '');
      else if (v !== false && v !== undefined && v !== null) e.setAttribute(k, String(v));
    }
    for (const c of children.flat())
      if (c !== null && c !== undefined && c !== false)
        e.append(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status === 204) return null;
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.detail || res.statusText);
      err.status = res.status;
      err.code = data.code;
      throw err;
    }
    return data;
  }

  function fmt(iso) {
    const d = new Date(iso);
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
  }

  function header() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-t]').forEach((n) => (n.textContent = t(n.dataset.t)));
    document.getElementById('lang').textContent = t('lang');
  }

  // ---- sign-in ------------------------------------------------------------------------------
  function showLogin(message) {
    document.getElementById('logout').hidden = true;
    const phone = el('input', {
      id: 'phone',
      type: 'tel',
      autocomplete: 'tel',
      inputmode: 'tel',
      maxlength: 20,
    });
    const code = el('input', {
      id: 'code',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      maxlength: 6,
    });
    const idn = el('input', { id: 'idNumber', autocomplete: 'off', maxlength: 20 });
    const msg = el('div', { class: 'muted', id: 'login-msg' }, message || '');
    const err = el('div', { class: 'error', id: 'login-error' });
    let challengeId = null;
    const step2 = el(
      'div',
      { hidden: true, id: 'step2' },
      el('label', { for: 'code' }, t('code')),
      code,
      el('label', { for: 'idNumber' }, t('idNumber')),
      idn,
      el(
        'button',
        {
          id: 'sign-in',
          class: 'full',
          on: {
            click: async () => {
              err.textContent = '';
              try {
                await api('POST', '/api/portal/login/verify', {
                  challengeId,
                  code: code.value.trim(),
                  idNumber: idn.value.trim(),
                });
                showHome();
              } catch (e) {
                err.textContent = e.message;
              }
            },
          },
        },
        t('signIn'),
      ),
    );
    app.replaceChildren(
      el(
        'section',
        { class: 'card' },
        el('h2', {}, t('signIn')),
        el('label', { for: 'phone' }, t('phone')),
        phone,
        el(
          'button',
          {
            id: 'get-code',
            class: 'full',
            on: {
              click: async () => {
                err.textContent = '';
                try {
                  const r = await api('POST', '/api/portal/login/code', {
                    phone: phone.value.trim(),
                    locale: lang,
                  });
                  challengeId = r.challengeId;
                  msg.textContent = t('codeSent');
                  step2.hidden = false;
                  code.focus();
                } catch (e) {
                  err.textContent = e.message;
                }
              },
            },
          },
          t('getCode'),
        ),
        msg,
        step2,
        err,
      ),
    );
  }

  // ---- home ---------------------------------------------------------------------------------
  let tab = 'history';
  function showHome() {
    document.getElementById('logout').hidden = false;
    const tabs = ['history', 'notices', 'restrictions', 'reports'];
    const bar = el(
      'nav',
      { class: 'tabs', role: 'tablist' },
      tabs.map((id) =>
        el(
          'button',
          {
            role: 'tab',
            id: `tab-${id}`,
            'aria-selected': String(tab === id),
            on: {
              click: () => {
                tab = id;
                showHome();
              },
            },
          },
          t(id),
        ),
      ),
    );
    const body = el('div', { id: 'panel' });
    app.replaceChildren(bar, body);
    const views = {
      history: showHistory,
      notices: showNotices,
      restrictions: showRestrictions,
      reports: showReports,
    };
    views[tab](body)
      .catch((e) => {
        if (e.status === 401) showLogin(t('signedOut'));
        else body.replaceChildren(el('div', { class: 'error' }, e.message));
      });
  }

  const filter = { channel: '', breakGlass: false, from: '', to: '' };
  function query(extra) {
    const q = new URLSearchParams({ lang, ...extra });
    if (filter.channel) q.set('channel', filter.channel);
    if (filter.breakGlass) q.set('breakGlass', 'true');
    if (filter.from) q.set('from', new Date(filter.from + 'T00:00:00+08:00').toISOString());
    if (filter.to) q.set('to', new Date(filter.to + 'T23:59:59+08:00').toISOString());
    return q.toString();
  }

  async function showHistory(body) {
    const channel = el(
      'select',
      { id: 'f-channel', on: { change: (e) => (filter.channel = e.target.value) } },
      el('option', { value: '' }, t('filterAll')),
      CHANNELS.map((c) =>
        el('option', { value: c, selected: filter.channel === c }, CHANNEL_NAMES[lang][c]),
      ),
    );
    const bg = el('input', {
      type: 'checkbox',
      id: 'f-bg',
      checked: filter.breakGlass,
      on: { change: (e) => (filter.breakGlass = e.target.checked) },
    });
    const from = el('input', {
      type: 'date',
      id: 'f-from',
      value: filter.from,
      on: { change: (e) => (filter.from = e.target.value) },
    });
    const to = el('input', {
      type: 'date',
      id: 'f-to',
      value: filter.to,
      on: { change: (e) => (filter.to = e.target.value) },
    });
    const list = el('div', { id: 'history-list' });
    const more = el('button', { class: 'secondary full', hidden: true, id: 'more' }, t('more'));
    const filters = el(
      'section',
      { class: 'card' },
      channel,
      el('label', { class: 'check' }, bg, t('breakGlassOnly')),
      el(
        'div',
        { class: 'row' },
        el('div', { style: 'flex:1' }, el('label', { for: 'f-from' }, t('from')), from),
        el('div', { style: 'flex:1' }, el('label', { for: 'f-to' }, t('to')), to),
      ),
      el(
        'div',
        { class: 'row', style: 'margin-top:10px' },
        el('button', { id: 'apply', on: { click: () => showHome() } }, t('apply')),
        el('span', { class: 'spacer' }),
        el(
          'a',
          { href: `/api/portal/history/download?${query({ format: 'pdf' })}`, id: 'dl-pdf' },
          `${t('download')} PDF`,
        ),
        el(
          'a',
          { href: `/api/portal/history/download?${query({ format: 'csv' })}`, id: 'dl-csv' },
          'CSV',
        ),
      ),
    );
    body.replaceChildren(
      filters,
      el('section', { class: 'card' }, el('h2', {}, t('history')), list, more),
    );
    let cursor = null;
    const load = async () => {
      const page = await api(
        'GET',
        `/api/portal/history?${query(cursor ? { cursor, limit: '20' } : { limit: '20' })}`,
      );
      if (!cursor && page.accesses.length === 0)
        list.append(el('p', { class: 'muted' }, t('empty')));
      for (const a of page.accesses) list.append(entry(a));
      cursor = page.nextCursor;
      more.hidden = !cursor;
    };
    more.addEventListener('click', () =>
      load().catch((e) => list.append(el('div', { class: 'error' }, e.message))),
    );
    await load();
  }

  function entry(a) {
    const who =
      a.actorType === 'system'
        ? 'Custos'
        : [
            a.name || (a.actorType === 'staff' ? t('unknownStaff') : a.organisation),
            a.roles.join(' / '),
          ]
            .filter(Boolean)
            .join(' · ');
    const actions = el('div', { class: 'row', style: 'margin-top:6px' });
    if (a.actorType !== 'system') {
      if (a.reportId) actions.append(el('span', { class: 'badge' }, t('reported')));
      else
        actions.append(
          el(
            'button',
            { class: 'small danger', 'data-seq': a.seq, on: { click: () => reportDialog(a) } },
            t('report'),
          ),
        );
      if (a.actorType === 'staff')
        actions.append(
          el(
            'button',
            {
              class: 'small secondary',
              on: {
                click: async () => {
                  if (!confirm(t('confirmBlock'))) return;
                  await api('PUT', '/api/portal/restrictions', { blockEntrySeq: a.seq });
                  tab = 'restrictions';
                  showHome();
                },
              },
            },
            t('block'),
          ),
        );
    }
    return el(
      'article',
      { class: 'entry', 'data-seq': a.seq },
      el('div', { class: 'when' }, fmt(a.at), ' · ', CHANNEL_NAMES[lang][a.channel] || a.channel),
      el('div', { class: 'who' }, who),
      el(
        'div',
        { class: 'meta' },
        [a.department, a.actorType === 'staff' ? a.organisation : null].filter(Boolean).join(' · '),
      ),
      el('div', { class: 'meta' }, [a.purpose, a.reasonText].filter(Boolean).join(' — ')),
      el(
        'div',
        {},
        a.breakGlass ? el('span', { class: 'badge bg' }, t('breakGlass')) : null,
        a.decision === 'deny' ? el('span', { class: 'badge deny' }, t('denied')) : null,
      ),
      actions,
    );
  }

  function reportDialog(a) {
    const text = el('textarea', { id: 'report-text', maxlength: 2000 });
    const err = el('div', { class: 'error' });
    const dlg = el(
      'dialog',
      { id: 'report-dialog' },
      el('h2', {}, t('reportTitle')),
      el('p', { class: 'muted' }, `${fmt(a.at)} · ${a.name || a.organisation}`),
      el('label', { for: 'report-text' }, t('reportHint')),
      text,
      err,
      el(
        'div',
        { class: 'row', style: 'margin-top:12px' },
        el(
          'button',
          {
            id: 'report-send',
            on: {
              click: async () => {
                try {
                  await api('POST', '/api/portal/reports', { seq: a.seq, text: text.value });
                  dlg.close();
                  dlg.remove();
                  tab = 'reports';
                  showHome();
                } catch (e) {
                  err.textContent = e.message;
                }
              },
            },
          },
          t('send'),
        ),
        el(
          'button',
          {
            class: 'secondary',
            on: {
              click: () => {
                dlg.close();
                dlg.remove();
              },
            },
          },
          t('cancel'),
        ),
      ),
    );
    document.body.append(dlg);
    dlg.showModal();
    text.focus();
  }

  async function showNotices(body) {
    const [list, pref] = await Promise.all([
      api('GET', `/api/portal/notifications?lang=${lang}`),
      api('GET', '/api/portal/preferences'),
    ]);
    const sel = el(
      'select',
      { id: 'pref-channel' },
      ['sms', 'email', 'portal'].map((c) =>
        el('option', { value: c, selected: pref.channel === c }, t(c)),
      ),
    );
    const ok = el('div', { class: 'ok' });
    body.replaceChildren(
      el(
        'section',
        { class: 'card' },
        el('label', { for: 'pref-channel' }, t('channel')),
        sel,
        el(
          'button',
          {
            class: 'full',
            on: {
              click: async () => {
                await api('PUT', '/api/portal/preferences', { channel: sel.value, locale: lang });
                ok.textContent = t('saved');
              },
            },
          },
          t('save'),
        ),
        ok,
      ),
      el(
        'section',
        { class: 'card', id: 'notices' },
        el('h2', {}, t('notices')),
        list.notifications.length === 0 ? el('p', { class: 'muted' }, t('empty')) : null,
        list.notifications.map((n) =>
          el(
            'div',
            { class: 'entry' },
            el('div', { class: 'when' }, fmt(n.at)),
            el('div', {}, n.text),
          ),
        ),
      ),
    );
  }

  async function showRestrictions(body) {
    const r = await api('GET', '/api/portal/restrictions');
    const boxes = SECTIONS.map((s) =>
      el('input', {
        type: 'checkbox',
        value: s,
        id: `hide-${s}`,
        checked: r.hiddenSections.includes(s),
      }),
    );
    const research = el('input', { type: 'checkbox', id: 'research', checked: r.researchOptOut });
    const ok = el('div', { class: 'ok', id: 'restrictions-ok' });
    body.replaceChildren(
      el(
        'section',
        { class: 'card' },
        el('h2', {}, t('restrictions')),
        el('p', {}, t('hide')),
        SECTIONS.map((s, i) => el('label', { class: 'check' }, boxes[i], t(s))),
        el('label', { class: 'check' }, research, t('research')),
        el(
          'button',
          {
            class: 'full',
            id: 'save-restrictions',
            on: {
              click: async () => {
                await api('PUT', '/api/portal/restrictions', {
                  hiddenSections: boxes.filter((b) => b.checked).map((b) => b.value),
                  researchOptOut: research.checked,
                });
                ok.textContent = t('saved');
              },
            },
          },
          t('save'),
        ),
        ok,
      ),
      el(
        'section',
        { class: 'card', id: 'blocked' },
        el('h2', {}, t('blocked')),
        r.blockedStaff.length === 0 ? el('p', { class: 'muted' }, t('noneBlocked')) : null,
        r.blockedStaff.map((b) =>
          el(
            'div',
            { class: 'row entry' },
            el('span', { style: 'flex:1' }, b.name || t('unknownStaff')),
            el(
              'button',
              {
                class: 'small secondary',
                on: {
                  click: async () => {
                    await api('PUT', '/api/portal/restrictions', { unblock: b.ref });
                    showHome();
                  },
                },
              },
              t('unblock'),
            ),
          ),
        ),
      ),
    );
  }

  async function showReports(body) {
    const r = await api('GET', `/api/portal/reports?lang=${lang}`);
    body.replaceChildren(
      el(
        'section',
        { class: 'card', id: 'reports' },
        el('h2', {}, t('reports')),
        r.reports.length === 0 ? el('p', { class: 'muted' }, t('empty')) : null,
        r.reports.map((x) =>
          el(
            'div',
            { class: 'entry' },
            el('div', { class: 'when' }, fmt(x.createdAt), ` · #${x.seq}`),
            el('div', {}, x.text),
            el('div', { class: 'meta' }, `${t('status')}: ${x.statusText}`),
            el('div', { class: 'meta' }, `${t('outcome')}: ${x.outcomeText}`),
          ),
        ),
      ),
    );
  }

  document.getElementById('lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('custos-portal-lang', lang);
    header();
    if (document.getElementById('logout').hidden) showLogin();
    else showHome();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/portal/logout').catch(() => null);
    showLogin(t('signedOut'));
  });

  header();
  api('GET', '/api/portal/me').then(showHome, () => showLogin());
})();
