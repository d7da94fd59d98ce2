/** The tenant's departments, shared by every view that names one. */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, type Department } from '../api.ts';

/** GET /api/admin/departments (cached). */
export function useDepartments() {
  return useQuery({
    queryKey: ['departments'],
    queryFn: async () =>
      (await api<{ items: Department[] }>('GET', '/api/admin/departments')).items,
    staleTime: 5 * 60_000,
  });
}

/** A function naming a department id in the current language. */
export function useDepartmentName() {
  const { i18n, t } = useTranslation();
  const deps = useDepartments().data ?? [];
  return (id: string | null): string => {
    if (!id) return t('common.none');
    const d = deps.find((x) => x.id === id);
    if (!d) return id;
    return i18n.language === 'zh-CN' ? d.nameZh : d.nameEn;
  };
}
